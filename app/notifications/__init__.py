"""Notifications: channels, templates, rules, the dispatcher and deliveries."""
