"""Dramatiq workers: thin actors that call the domain services."""
