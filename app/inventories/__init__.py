"""Ansible inventories: INI text parsed by ansible-core, hosts linked to devices."""
