"""The vault keyed like the test app for every credentials test."""

from tests.devices.conftest import keyed_vault

__all__ = ["keyed_vault"]
