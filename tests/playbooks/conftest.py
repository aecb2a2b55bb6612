"""Step playbook fixtures: the executions domain's SSH servers and devices."""

from tests.executions.conftest import (  # noqa: F401  fixtures, used by name
    broker,
    keyed_vault,
    real_device,
    servers,
    settings,
)
