"""Encrypting TOTP secrets at rest: AES-GCM under a key derived from the signing key."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"opsgraph:totp-secret:v1"
_NONCE = 12


def _cipher(key: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return AESGCM(derived.derive(key.encode()))


def seal(key: str, secret: str) -> str:
    """`secret` encrypted and authenticated, as URL-safe base64 text."""
    nonce = os.urandom(_NONCE)
    sealed = nonce + _cipher(key).encrypt(nonce, secret.encode(), None)
    return base64.urlsafe_b64encode(sealed).decode()


def unseal(key: str, sealed: str) -> str:
    """The secret `seal` produced; raises InvalidTag if key or text are wrong."""
    raw = base64.urlsafe_b64decode(sealed.encode())
    return _cipher(key).decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
