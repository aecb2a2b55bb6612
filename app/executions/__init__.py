"""Executions: every run of a playbook, script or command, and its live stream."""
