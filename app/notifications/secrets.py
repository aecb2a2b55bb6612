"""Channel secrets at rest: AES-GCM under a key derived from the signing key."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
_INFO = b"opsgraph notification channel secrets v1"


def _key(signing_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        signing_key.encode()
    )


def seal(signing_key: str, values: dict[str, Any]) -> str | None:
    """`values` encrypted and encoded, or None when there is nothing to hide."""
    if not values:
        return None
    nonce = os.urandom(12)
    sealed = AESGCM(_key(signing_key)).encrypt(
        nonce, json.dumps(values).encode(), VERSION.encode()
    )
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(signing_key: str, token: str | None) -> dict[str, Any]:
    """The values `seal` hid in `token`."""
    if not token:
        return {}
    raw = base64.b64decode(token.split(":", 1)[1])
    plain = AESGCM(_key(signing_key)).decrypt(raw[:12], raw[12:], VERSION.encode())
    values: dict[str, Any] = json.loads(plain)
    return values
