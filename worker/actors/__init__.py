"""Every actor module; importing this records them all."""

from worker.actors import notifications, system

__all__ = ["notifications", "system"]
