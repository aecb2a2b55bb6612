"""The typed keys of the runtime settings store and their validation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from app.credentials import vault
from app.errors import DomainError
from app.outbound import Policy
from app.runtime_settings.errors import InvalidSettingError
from app.settings import Settings

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MASK = "********"
Value = int | str | bool | dict[str, str]


@dataclass(frozen=True)
class EffectiveSettings:
    """The settings in force right now: stored values over process defaults."""

    max_concurrent_executions: int
    long_running_delay_seconds: int
    schedule_trigger_tolerance_seconds: int
    access_token_expire_minutes: int
    log_level: str
    session_timeout_hours: int
    max_concurrent_jobs: int
    log_retention_days: int
    netbox_url: str
    netbox_token: SecretStr
    netbox_verify_tls: bool
    netbox_timeout_seconds: int
    netbox_default_site_id: int
    netbox_default_role_id: int
    netbox_default_device_type_id: int
    netbox_sync_interval_minutes: int
    ansible_allow_controller_execution: bool
    ansible_allow_unsandboxed: bool


class Rule(ABC):
    """How a key is checked, stored, read back and shown."""

    @abstractmethod
    def check(self, key: str, value: object) -> Value:
        """The stored form of a valid `value`; raise InvalidSettingError otherwise."""

    def read(self, key: str, stored: Any) -> Any:
        """The effective value of a stored one."""
        return self.check(key, stored)

    def default(self, key: str, value: Any) -> Any:
        """The effective value of a process default."""
        return self.check(key, value)

    def shown(self, value: Any) -> Any:
        """A value as callers and the audit trail may see it."""
        return value


@dataclass(frozen=True)
class IntKey(Rule):
    """An integer setting within [minimum, maximum]."""

    minimum: int
    maximum: int

    def check(self, key: str, value: object) -> Value:
        """The value if valid; raise InvalidSettingError otherwise."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidSettingError(key, "must be an integer")
        if not self.minimum <= value <= self.maximum:
            raise InvalidSettingError(
                key, f"must be between {self.minimum} and {self.maximum}"
            )
        return value


@dataclass(frozen=True)
class ChoiceKey(Rule):
    """A string setting from a fixed set (compared case-insensitively)."""

    choices: tuple[str, ...]

    def check(self, key: str, value: object) -> Value:
        """The canonical choice if valid; raise InvalidSettingError otherwise."""
        if not isinstance(value, str) or value.upper() not in self.choices:
            raise InvalidSettingError(key, f"must be one of {', '.join(self.choices)}")
        return value.upper()


class BoolKey(Rule):
    """A true/false setting."""

    def check(self, key: str, value: object) -> Value:
        """The value if it is a boolean."""
        if not isinstance(value, bool):
            raise InvalidSettingError(key, "must be true or false")
        return value


class UrlKey(Rule):
    """An http(s) URL, or empty for "not configured"; the outbound policy is
    applied again at connect time, when the name is resolved."""

    def check(self, key: str, value: object) -> Value:
        """The base URL: no trailing slash, no `/api` (NetBox's API root)."""
        if not isinstance(value, str) or len(value) > 500:
            raise InvalidSettingError(key, "must be a URL of at most 500 characters")
        if value:
            try:
                Policy(allow_loopback=True).check_url(value)
            except DomainError as exc:
                raise InvalidSettingError(key, exc.message) from exc
        return value.strip().rstrip("/").removesuffix("/api")


class SecretKey(Rule):
    """A secret: stored sealed by the vault, read as SecretStr, shown masked."""

    def check(self, key: str, value: object) -> Value:
        """The sealed form, or "" to clear it."""
        if not isinstance(value, str) or len(value) > 500:
            raise InvalidSettingError(key, "must be a string of at most 500 characters")
        if not (value.isascii() and value.isprintable()):
            raise InvalidSettingError(key, "must be printable ASCII")
        return vault.seal_text(value) if value else ""

    def read(self, key: str, stored: Any) -> SecretStr:
        """The opened secret (a broken seal reads as the process default)."""
        if not stored:
            return SecretStr("")
        try:
            return SecretStr(vault.open_text(stored))
        except DomainError as exc:
            raise InvalidSettingError(key, "cannot be opened") from exc

    def resealed(self, stored: Any) -> dict[str, str] | None:
        """`stored` sealed again under the current key; None when it already is."""
        if not stored or vault.is_current(stored["key_id"]):
            return None
        return vault.seal_text(vault.open_text(stored))

    def default(self, key: str, value: Any) -> SecretStr:
        """The process default (None: unset)."""
        return value if isinstance(value, SecretStr) else SecretStr("")

    def shown(self, value: Any) -> str:
        """MASK when set, "" when not."""
        if isinstance(value, SecretStr):
            return MASK if value.get_secret_value() else ""
        return MASK if value else ""


KEYS: dict[str, Rule] = {
    "max_concurrent_executions": IntKey(1, 1000),
    "long_running_delay_seconds": IntKey(1, 86_400),
    "schedule_trigger_tolerance_seconds": IntKey(0, 86_400),
    "access_token_expire_minutes": IntKey(1, 10_080),
    "log_level": ChoiceKey(LOG_LEVELS),
    "session_timeout_hours": IntKey(1, 8_760),
    "max_concurrent_jobs": IntKey(1, 1000),
    "log_retention_days": IntKey(1, 3_650),
    "netbox_url": UrlKey(),
    "netbox_token": SecretKey(),
    "netbox_verify_tls": BoolKey(),
    "netbox_timeout_seconds": IntKey(1, 300),
    "netbox_default_site_id": IntKey(0, 2_147_483_647),
    "netbox_default_role_id": IntKey(0, 2_147_483_647),
    "netbox_default_device_type_id": IntKey(0, 2_147_483_647),
    "netbox_sync_interval_minutes": IntKey(0, 10_080),
    "ansible_allow_controller_execution": BoolKey(),
    "ansible_allow_unsandboxed": BoolKey(),
}


def validate(changes: dict[str, object], allowed: frozenset[str]) -> dict[str, Value]:
    """Checked, canonical values of `changes`; every key must be in `allowed`."""
    if not isinstance(changes, dict):
        raise InvalidSettingError("body", "must be a JSON object")
    checked: dict[str, Value] = {}
    for key, value in changes.items():
        if key not in allowed:
            raise InvalidSettingError(key, "is not a known setting")
        if isinstance(KEYS[key], SecretKey) and value == MASK:
            continue  # the masked value read back: unchanged
        checked[key] = KEYS[key].check(key, value)
    return checked


def merge(defaults: Settings, stored: dict[str, object]) -> EffectiveSettings:
    """Stored values that are still valid, over the process defaults."""
    values: dict[str, Any] = {}
    for key, rule in KEYS.items():
        default = rule.default(key, getattr(defaults, key))
        try:
            values[key] = rule.read(key, stored[key]) if key in stored else default
        except InvalidSettingError:
            values[key] = default
    return EffectiveSettings(**values)


def shown(current: EffectiveSettings, keys: frozenset[str]) -> dict[str, Any]:
    """`keys` of `current` as callers may see them (secrets masked), sorted."""
    return {key: KEYS[key].shown(getattr(current, key)) for key in sorted(keys)}
