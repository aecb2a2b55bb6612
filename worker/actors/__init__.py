"""Every actor module; importing this records them all."""

from worker.actors import system

__all__ = ["system"]
