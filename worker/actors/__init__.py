"""Every actor module; importing this records them all."""

from worker.actors import scans, system

__all__ = ["scans", "system"]
