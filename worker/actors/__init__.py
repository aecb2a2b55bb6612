"""Every actor module; importing this records them all."""

from worker.actors import ansible, devices, notifications, scans, system, workflows

__all__ = ["ansible", "devices", "notifications", "scans", "system", "workflows"]
