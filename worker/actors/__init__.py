"""Every actor module; importing this records them all."""

from worker.actors import devices, system, workflows

__all__ = ["devices", "system", "workflows"]
