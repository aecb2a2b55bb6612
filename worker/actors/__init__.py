"""Every actor module; importing this records them all."""

from worker.actors import ansible, system

__all__ = ["ansible", "system"]
