"""Every actor module; importing this records them all."""

from worker.actors import devices, scans, system

__all__ = ["devices", "scans", "system"]
