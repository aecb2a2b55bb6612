"""The one SSH client adapter: explicit timeouts, pinned or first-use host keys.

Every domain that talks to devices over SSH (credential tests, health checks,
executions, scans) connects through `connect()`, so failures map to the same
stable codes everywhere: SSH_CONNECTION_FAILED, SSH_AUTHENTICATION_FAILED,
SSH_TIMEOUT, SSH_HOST_KEY_CHANGED, SSH_HOST_KEY_UNKNOWN.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncssh

from app.errors import DomainError


class SSHError(DomainError):
    """Raised when an SSH session cannot be set up; `code` says why."""

    code = "SSH_CONNECTION_FAILED"


class SSHConnectionFailedError(SSHError):
    """Raised when the TCP connection or the SSH handshake fails."""

    code = "SSH_CONNECTION_FAILED"


class SSHAuthenticationFailedError(SSHError):
    """Raised when the server refuses every credential offered."""

    code = "SSH_AUTHENTICATION_FAILED"


class SSHTimeoutError(SSHError):
    """Raised when connecting or logging in takes longer than allowed."""

    code = "SSH_TIMEOUT"


class SSHHostKeyChangedError(SSHError):
    """Raised when a server presents a key other than the one recorded for it."""

    code = "SSH_HOST_KEY_CHANGED"


class SSHHostKeyUnknownError(SSHError):
    """Raised in strict mode when no host key was registered for the target."""

    code = "SSH_HOST_KEY_UNKNOWN"


# AES-GCM first: one AEAD call per packet, where asyncssh's chacha20-poly1305 builds
# three cipher contexts per packet (a third of a short session's client CPU, and
# as much again on the server); chacha20 and the rest of asyncssh's defaults
# stay in the list for servers without GCM.
CIPHERS = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com"


@dataclass(frozen=True)
class SSHTarget:
    """Where and as whom to log in. Secrets are kept out of repr()."""

    host: str
    username: str
    port: int = 22
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    host_key: str | None = None  # OpenSSH public key line recorded for this host


@dataclass(frozen=True)
class SSHLimits:
    """Timeouts asyncssh leaves off (connect, keepalive) or long (login: 120 s)."""

    connect_timeout: float = 10.0
    login_timeout: float = 15.0
    keepalive_interval: float = 15.0
    keepalive_count_max: int = 3


@dataclass
class Connected:
    """An open connection and the host key the server proved it holds."""

    conn: asyncssh.SSHClientConnection
    host_key: str


class _HostKeyCheck(asyncssh.SSHClient):
    """Accepts the pinned key, or any key when none is pinned and not strict."""

    def __init__(self, pinned: asyncssh.SSHKey | None, strict: bool) -> None:
        self._pinned = pinned
        self._strict = strict
        self.seen: asyncssh.SSHKey | None = None
        self.mismatch = False

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        self.seen = key
        if self._pinned is None:
            return not self._strict
        if key.public_data == self._pinned.public_data:
            return True
        self.mismatch = True
        return False


async def connect(
    target: SSHTarget, limits: SSHLimits = SSHLimits(), *, strict: bool = False
) -> Connected:
    """Open an authenticated connection to `target`, or raise an SSHError."""
    pinned = asyncssh.import_public_key(target.host_key) if target.host_key else None
    check = _HostKeyCheck(pinned, strict)
    keys = (
        [asyncssh.import_private_key(target.private_key, target.passphrase)]
        if target.private_key
        else []
    )
    try:
        conn, _ = await asyncssh.create_connection(
            lambda: check,
            target.host,
            target.port,
            username=target.username,
            password=target.password,
            client_keys=keys,
            known_hosts=([], [], []),
            server_host_key_algs=_host_key_algs(pinned),
            encryption_algs=CIPHERS,
            connect_timeout=limits.connect_timeout,
            login_timeout=limits.login_timeout,
            keepalive_interval=limits.keepalive_interval,
            keepalive_count_max=limits.keepalive_count_max,
            agent_path=None,
            config=[],
            preferred_auth=_auth_order(target),
        )
    except Exception as exc:
        raise _classify(exc, target, check) from None
    assert check.seen is not None  # noqa: S101  validation ran during the handshake
    return Connected(conn, check.seen.export_public_key().decode().strip())


def _host_key_algs(pinned: asyncssh.SSHKey | None) -> str:
    """Host key algorithms, best first: the pinned key's own, else ed25519.

    asyncssh's default order starts with RSA, so a server holding RSA and
    ed25519 keys would present its RSA key and a pinned ed25519 key would look
    changed. ed25519 is also the cheapest signature for the server. The rest
    of asyncssh's defaults follow, so a server that dropped the pinned key's
    type presents another key and is refused as changed.
    """
    first = [a.decode() for a in pinned.sig_algorithms] if pinned else ["ssh-ed25519"]
    return "^" + ",".join(first)


def _auth_order(target: SSHTarget) -> list[str]:
    methods = []
    if target.private_key:
        methods.append("publickey")
    if target.password is not None:
        methods += ["password", "keyboard-interactive"]
    return methods or ["none"]


def _classify(exc: Exception, target: SSHTarget, check: _HostKeyCheck) -> SSHError:
    where = f"{target.host}:{target.port}"
    if check.mismatch:
        return SSHHostKeyChangedError(
            f"Host key of {where} changed since it was recorded; refusing to connect"
        )
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return SSHHostKeyUnknownError(f"No host key is registered for {where}")
    if isinstance(exc, asyncssh.PermissionDenied):
        return SSHAuthenticationFailedError(f"Authentication failed for {where}")
    if isinstance(exc, asyncssh.KeyImportError):
        return SSHAuthenticationFailedError(f"Private key for {where} cannot be loaded")
    if isinstance(exc, asyncio.TimeoutError):
        return SSHTimeoutError(f"Timed out connecting to {where}")
    if isinstance(exc, asyncssh.ConnectionLost | asyncssh.DisconnectError | OSError):
        return SSHConnectionFailedError(f"Cannot connect to {where}: {_reason(exc)}")
    return SSHConnectionFailedError(f"Cannot connect to {where}: {type(exc).__name__}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


@asynccontextmanager
async def session(
    target: SSHTarget, limits: SSHLimits = SSHLimits(), *, strict: bool = False
) -> AsyncIterator[Connected]:
    """`connect()` as a context manager that always closes the connection."""
    connected = await connect(target, limits, strict=strict)
    try:
        yield connected
    finally:
        connected.conn.close()
        await connected.conn.wait_closed()
