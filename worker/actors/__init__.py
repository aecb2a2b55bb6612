"""Every actor module; importing this records them all."""

from worker.actors import devices, notifications, scans, system, workflows

__all__ = ["devices", "notifications", "scans", "system", "workflows"]
