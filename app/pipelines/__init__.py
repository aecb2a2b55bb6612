"""Event-triggered pipelines (MockOps): definitions, executions, step runners."""
