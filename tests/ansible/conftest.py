"""Ansible Hub fixtures: the vault keyed like the test app (fleet's fixture)."""

from tests.devices.conftest import keyed_vault

__all__ = ["keyed_vault"]
