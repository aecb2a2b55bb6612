"""Script fixtures: the executions domain's SSH servers and stored devices."""

from tests.executions.conftest import (  # noqa: F401  fixtures, used by name
    broker,
    keyed_vault,
    real_device,
    servers,
    settings,
)
