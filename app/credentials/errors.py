"""Errors of the credential vault."""

from __future__ import annotations

from app.errors import ConflictError, DomainError, InvalidError, NotFoundError


class CredentialNotFoundError(NotFoundError):
    """Raised when no credential has the given id."""

    def __init__(self, credential_id: int) -> None:
        super().__init__(
            f"Credential {credential_id} not found",
            details={"credential_id": credential_id},
        )


class CredentialNameTakenError(ConflictError):
    """Raised when a credential's name is already used by another one."""

    code = "CREDENTIAL_NAME_DUPLICATE"

    def __init__(self, name: str) -> None:
        super().__init__(f"A credential named '{name}' already exists")


class InvalidCredentialError(InvalidError):
    """Raised when a credential's fields do not fit its type."""


class CredentialInUseError(ConflictError):
    """Raised when deleting a credential devices still use."""

    code = "CREDENTIAL_IN_USE"


class VaultKeyMissingError(DomainError):
    """Raised when a secret was sealed with a key this process does not hold."""

    code = "VAULT_KEY_MISSING"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"Vault key {key_id} is not configured; add the old secret key to "
            "OPSGRAPH_VAULT_PREVIOUS_KEYS",
            details={"key_id": key_id},
        )


class VaultSealBrokenError(DomainError):
    """Raised when a sealed secret fails authentication (tampered or wrong key)."""

    code = "VAULT_SEAL_BROKEN"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            "A stored secret could not be decrypted", details={"key_id": key_id}
        )
