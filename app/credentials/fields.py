"""Which fields each credential type has, which are secret, and their rules."""

from __future__ import annotations

from collections.abc import Mapping

import asyncssh

from app.credentials.errors import InvalidCredentialError

TYPES = ("ssh", "snmp", "api_key")
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "ssh": ("password", "private_key", "passphrase"),
    "snmp": ("community", "auth_password", "priv_password"),
    "api_key": ("api_key",),
}
ATTRIBUTE_FIELDS: dict[str, tuple[str, ...]] = {
    "ssh": (),
    "snmp": ("snmp_version", "security_name", "auth_protocol", "priv_protocol"),
    "api_key": ("header", "url"),
}
ALL_SECRET_FIELDS = frozenset(f for fields in SECRET_FIELDS.values() for f in fields)
SNMP_VERSIONS = ("1", "2c", "3")
AUTH_PROTOCOLS = ("MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("DES", "3DES", "AES", "AES128", "AES192", "AES256")
STATUSES = ("active", "inactive", "revoked", "expired")


def check_type(credential_type: str) -> None:
    """Refuse an unknown credential type."""
    if credential_type not in TYPES:
        raise InvalidCredentialError(
            f"credential_type must be one of {', '.join(TYPES)}",
            details={"field": "credential_type"},
        )


def pick(fields: tuple[str, ...], values: Mapping[str, object]) -> dict[str, str]:
    """The non-empty `fields` of `values`, as strings."""
    return {f: str(values[f]) for f in fields if values.get(f) not in (None, "")}


def with_derived(
    credential_type: str, attributes: Mapping[str, str], secret: Mapping[str, str]
) -> dict[str, str]:
    """`attributes` plus what follows from the secret (an ssh login's auth_type)."""
    derived = dict(attributes)
    if credential_type == "ssh":
        derived["auth_type"] = "key" if secret.get("private_key") else "password"
    return derived


def validate(
    credential_type: str,
    username: str | None,
    attributes: Mapping[str, str],
    secret: Mapping[str, str],
) -> None:
    """Refuse a credential whose fields do not fit its type."""
    if credential_type == "ssh":
        _validate_ssh(username, secret)
    elif credential_type == "snmp":
        _validate_snmp(attributes, secret)
    elif not secret.get("api_key"):
        raise _missing("api_key")


def _missing(field: str) -> InvalidCredentialError:
    return InvalidCredentialError(f"{field} is required", details={"field": field})


def _validate_ssh(username: str | None, secret: Mapping[str, str]) -> None:
    if not username:
        raise _missing("username")
    if not secret.get("password") and not secret.get("private_key"):
        raise InvalidCredentialError(
            "password or private_key is required", details={"field": "password"}
        )
    if secret.get("private_key"):
        try:
            asyncssh.import_private_key(
                secret["private_key"], secret.get("passphrase") or None
            )
        except (asyncssh.KeyImportError, ValueError):
            raise InvalidCredentialError(
                "private_key cannot be loaded (bad format or passphrase)",
                details={"field": "private_key"},
            ) from None


def _validate_snmp(attributes: Mapping[str, str], secret: Mapping[str, str]) -> None:
    version = attributes.get("snmp_version", "2c")
    _one_of("snmp_version", version, SNMP_VERSIONS)
    if version != "3":
        if not secret.get("community"):
            raise _missing("community")
        return
    if not attributes.get("security_name"):
        raise _missing("security_name")
    if secret.get("auth_password"):
        _one_of("auth_protocol", attributes.get("auth_protocol", "SHA"), AUTH_PROTOCOLS)
    if secret.get("priv_password"):
        if not secret.get("auth_password"):
            raise _missing("auth_password")
        _one_of("priv_protocol", attributes.get("priv_protocol", "AES"), PRIV_PROTOCOLS)


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidCredentialError(
            f"{field} must be one of {', '.join(allowed)}", details={"field": field}
        )
