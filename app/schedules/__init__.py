"""Schedules: cron and interval jobs that start workflows (and biRun scripts)."""
