"""Alerts: raised by rules and services, deduplicated by key while open."""
