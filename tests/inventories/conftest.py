"""The fleet fixtures (keyed vault, fast-failing app) for inventory tests."""

from tests.devices.conftest import app, keyed_vault

__all__ = ["app", "keyed_vault"]
