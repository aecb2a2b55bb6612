"""Stored shell scripts (biRun) run on servers as executions."""
