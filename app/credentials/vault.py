"""AES-GCM sealing of secrets with keys derived (HKDF) from configuration.

Each sealed blob is stored beside the id of the key that sealed it, so the
signing key can change: keep the old one in OPSGRAPH_VAULT_PREVIOUS_KEYS until
`opsgraph vault rotate-key` has re-sealed everything with the current key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.credentials.errors import VaultKeyMissingError, VaultSealBrokenError
from app.settings import Settings

_SALT = b"opsgraph-vault"
_INFO = b"opsgraph vault aes-256-gcm v1"
_NONCE = 12


@dataclass(frozen=True)
class Sealed:
    """A sealed secret and the id of the key that sealed it."""

    key_id: str
    blob: bytes


@dataclass(frozen=True)
class Keyring:
    """The current key and the older ones still accepted for opening."""

    current_id: str
    keys: dict[str, bytes]


def derive(material: str) -> tuple[str, bytes]:
    """The vault key derived from `material`, and its public id."""
    key = HKDF(algorithm=SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        material.encode()
    )
    return hashlib.sha256(b"opsgraph-vault-key-id" + key).hexdigest()[:16], key


def keyring_for(settings: Settings) -> Keyring:
    """The keyring of `settings`: its signing key first, then previous keys."""
    current_id, current = derive(settings.signing_key)
    keys = {current_id: current}
    for old in settings.vault_previous_keys:
        kid, key = derive(old.get_secret_value())
        keys.setdefault(kid, key)
    return Keyring(current_id, keys)


_keyring: Keyring | None = None


def configure(settings: Settings) -> None:
    """Install the keyring of `settings` for this process."""
    global _keyring
    _keyring = keyring_for(settings)


def keyring() -> Keyring:
    """The process keyring."""
    if _keyring is None:
        raise RuntimeError("vault used before configure()")
    return _keyring


def seal(secret: dict[str, str]) -> Sealed:
    """Encrypt `secret` with the current key."""
    ring = keyring()
    nonce = os.urandom(_NONCE)
    plain = json.dumps(secret, sort_keys=True).encode()
    sealed = AESGCM(ring.keys[ring.current_id]).encrypt(
        nonce, plain, ring.current_id.encode()
    )
    return Sealed(ring.current_id, nonce + sealed)


def open_sealed(key_id: str, blob: bytes) -> dict[str, str]:
    """Decrypt a blob sealed under `key_id`."""
    key = keyring().keys.get(key_id)
    if key is None:
        raise VaultKeyMissingError(key_id)
    try:
        plain = AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], key_id.encode())
    except InvalidTag:
        raise VaultSealBrokenError(key_id) from None
    data: dict[str, str] = json.loads(plain)
    return data


def is_current(key_id: str) -> bool:
    """True when `key_id` is the current key's id."""
    return key_id == keyring().current_id


def seal_text(value: str) -> dict[str, str]:
    """`value` sealed with the current key, as JSON-safe text (settings, etc.)."""
    sealed = seal({"value": value})
    return {"key_id": sealed.key_id, "blob": base64.b64encode(sealed.blob).decode()}


def open_text(sealed: dict[str, str]) -> str:
    """The value `seal_text` sealed; raises the vault errors on a bad seal."""
    return open_sealed(sealed["key_id"], base64.b64decode(sealed["blob"]))["value"]
