"""The typed keys of the runtime settings store and their validation."""

from __future__ import annotations

from dataclasses import dataclass

from app.runtime_settings.errors import InvalidSettingError
from app.settings import Settings

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
Value = int | str | bool


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
    ansible_allow_controller_execution: bool
    ansible_allow_unsandboxed: bool


@dataclass(frozen=True)
class IntKey:
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
class ChoiceKey:
    """A string setting from a fixed set (compared case-insensitively)."""

    choices: tuple[str, ...]

    def check(self, key: str, value: object) -> Value:
        """The canonical choice if valid; raise InvalidSettingError otherwise."""
        if not isinstance(value, str) or value.upper() not in self.choices:
            raise InvalidSettingError(key, f"must be one of {', '.join(self.choices)}")
        return value.upper()


@dataclass(frozen=True)
class BoolKey:
    """A true/false setting."""

    def check(self, key: str, value: object) -> Value:
        """The value if it is a boolean; raise InvalidSettingError otherwise."""
        if not isinstance(value, bool):
            raise InvalidSettingError(key, "must be true or false")
        return value


KEYS: dict[str, IntKey | ChoiceKey | BoolKey] = {
    "max_concurrent_executions": IntKey(1, 1000),
    "long_running_delay_seconds": IntKey(1, 86_400),
    "schedule_trigger_tolerance_seconds": IntKey(0, 86_400),
    "access_token_expire_minutes": IntKey(1, 10_080),
    "log_level": ChoiceKey(LOG_LEVELS),
    "session_timeout_hours": IntKey(1, 8_760),
    "max_concurrent_jobs": IntKey(1, 1000),
    "log_retention_days": IntKey(1, 3_650),
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
        checked[key] = KEYS[key].check(key, value)
    return checked


def merge(defaults: Settings, stored: dict[str, object]) -> EffectiveSettings:
    """Stored values that are still valid, over the process defaults."""
    values: dict[str, Value] = {}
    for key, rule in KEYS.items():
        default = rule.check(key, getattr(defaults, key))
        try:
            values[key] = rule.check(key, stored[key]) if key in stored else default
        except InvalidSettingError:
            values[key] = default
    return EffectiveSettings(**values)  # type: ignore[arg-type]
