"""Every actor module; importing this records them all."""

from worker.actors import ansible, devices, notifications, system

__all__ = ["ansible", "devices", "notifications", "system"]
