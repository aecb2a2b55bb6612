"""Every actor module; importing this records them all."""

from worker.actors import (
    ansible,
    devices,
    executions,
    notifications,
    pipelines,
    scans,
    system,
    workflows,
)

__all__ = [
    "ansible",
    "devices",
    "executions",
    "notifications",
    "pipelines",
    "scans",
    "system",
    "workflows",
]
