"""Every actor module; importing this records them all."""

from worker.actors import devices, notifications, system, workflows

__all__ = ["devices", "notifications", "system", "workflows"]
