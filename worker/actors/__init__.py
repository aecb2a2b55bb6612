"""Every actor module; importing this records them all."""

from worker.actors import (
    ansible,
    devices,
    executions,
    netbox,
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
    "netbox",
    "notifications",
    "pipelines",
    "scans",
    "system",
    "workflows",
]
