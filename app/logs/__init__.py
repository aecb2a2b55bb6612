"""Stored application log records: captured from `app.*` loggers, served over REST."""
