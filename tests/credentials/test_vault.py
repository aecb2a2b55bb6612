"""AES-GCM sealing, key ids and key rotation."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.credentials import service, vault
from app.credentials.errors import VaultKeyMissingError, VaultSealBrokenError
from app.credentials.models import Credential, CredentialHistory
from app.db import Sessionmaker, unit_of_work
from app.settings import Settings
from tests.conftest import TEST_KEY

SECRET = {"password": "vault-test-plaintext-1"}


def keyed(key: str, *previous: str) -> None:
    vault.configure(
        Settings(
            _env_file=None,
            secret_key=key,
            vault_previous_keys=[SecretStr(p) for p in previous],
        )
    )


class TestSeal:
    def test_round_trip_with_key_id(self) -> None:
        sealed = vault.seal(SECRET)
        assert sealed.key_id == vault.derive(TEST_KEY)[0]
        assert b"vault-test-plaintext-1" not in sealed.blob
        assert vault.open_sealed(sealed.key_id, sealed.blob) == SECRET

    def test_nonce_differs_each_time(self) -> None:
        assert vault.seal(SECRET).blob != vault.seal(SECRET).blob

    def test_tampered_blob_is_refused(self) -> None:
        sealed = vault.seal(SECRET)
        broken = sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1])
        with pytest.raises(VaultSealBrokenError):
            vault.open_sealed(sealed.key_id, broken)

    def test_unknown_key_id(self) -> None:
        sealed = vault.seal(SECRET)
        keyed("another-key-entirely-0123456789")
        with pytest.raises(VaultKeyMissingError) as raised:
            vault.open_sealed(sealed.key_id, sealed.blob)
        assert raised.value.details == {"key_id": sealed.key_id}

    def test_previous_key_still_opens(self) -> None:
        sealed = vault.seal(SECRET)
        keyed("another-key-entirely-0123456789", TEST_KEY)
        assert vault.open_sealed(sealed.key_id, sealed.blob) == SECRET


class TestRotateKey:
    async def test_reseals_current_and_history(self, db: Sessionmaker) -> None:
        data = service.input_from(
            SECRET, name="r", credential_type="ssh", username="ops"
        )
        async with unit_of_work(db) as s:
            cred = await service.create_credential(s, service.SYSTEM, data)
            await service.rotate_credential(
                s, service.SYSTEM, cred.id, {"password": "vault-test-plaintext-2"}
            )
        old_id = vault.keyring().current_id
        keyed("the-new-signing-key-0123456789", TEST_KEY)
        async with unit_of_work(db) as s:
            assert await service.rotate_key(s) == 2
            assert await service.rotate_key(s) == 0
        keyed("the-new-signing-key-0123456789")
        async with db() as s:
            row = await s.scalar(select(Credential))
            (old,) = (await s.scalars(select(CredentialHistory))).all()
            assert row is not None
            assert row.key_id == old.key_id != old_id
            assert service.secret_of(row) == {"password": "vault-test-plaintext-2"}
            assert vault.open_sealed(old.key_id, old.secret) == SECRET
