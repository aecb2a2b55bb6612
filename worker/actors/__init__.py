"""Every actor module; importing this records them all."""

from worker.actors import ansible, devices, system

__all__ = ["ansible", "devices", "system"]
