"""Every actor module; importing this records them all."""

from worker.actors import system, workflows

__all__ = ["system", "workflows"]
