"""Every actor module; importing this records them all."""

from worker.actors import executions, system

__all__ = ["executions", "system"]
