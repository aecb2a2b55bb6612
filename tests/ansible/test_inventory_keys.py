"""Vault keys reach Ansible decrypted, since ssh would prompt for a passphrase."""

from __future__ import annotations

import asyncssh

from app import ssh
from app.ansible import inventory


class TestHostKeyFile:
    def test_encrypted_key_is_written_decrypted(self) -> None:
        key = asyncssh.generate_private_key("ssh-ed25519")
        sealed = key.export_private_key("pkcs8-pem", passphrase="open-sesame").decode()
        target = ssh.SSHTarget(
            host="127.0.0.1",
            username="ops",
            private_key=sealed,
            passphrase="open-sesame",
        )
        plain = inventory._key(target)
        assert "ENCRYPTED" in sealed
        assert "ENCRYPTED" not in plain
        assert asyncssh.import_private_key(plain).public_data == key.public_data

    def test_plain_key_is_kept(self) -> None:
        text = (
            asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
        )
        target = ssh.SSHTarget(host="127.0.0.1", username="ops", private_key=text)
        assert inventory._key(target) == text
