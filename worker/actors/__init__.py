"""Every actor module; importing this records them all."""

from worker.actors import devices, executions, system

__all__ = ["devices", "executions", "system"]
