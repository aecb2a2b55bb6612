"""app.ssh against real servers: each failure has its own code."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import asyncssh
import pytest

from app import ssh
from tests.sshd import (
    SSHServer,
    asyncssh_server,
    new_private_key,
    openssh_server,
    private_text,
    public_text,
)

FAST = ssh.SSHLimits(connect_timeout=1.0, login_timeout=1.0)


def target(server: SSHServer, **changes: object) -> ssh.SSHTarget:
    base: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "password": server.password,
    }
    base.update(changes)
    return ssh.SSHTarget(**base)  # type: ignore[arg-type]


async def run(
    t: ssh.SSHTarget, command: str = "echo hi; exit 3"
) -> tuple[str, int | None]:
    async with ssh.session(t, FAST) as connected:
        result = await connected.conn.run(command)
    return str(result.stdout), result.exit_status


class TestConnect:
    async def test_password_login_runs_a_command(self, server: SSHServer) -> None:
        assert await run(target(server)) == ("hi\n", 3)

    async def test_key_login_records_the_host_key(self, server: SSHServer) -> None:
        t = target(server, password=None, private_key=server.client_key)
        connected = await ssh.connect(t, FAST)
        connected.conn.close()
        assert connected.host_key == server.host_key

    async def test_wrong_password(self, server: SSHServer) -> None:
        with pytest.raises(ssh.SSHAuthenticationFailedError) as raised:
            await run(target(server, password="nope-nope"))
        assert raised.value.code == "SSH_AUTHENTICATION_FAILED"
        assert "nope-nope" not in raised.value.message

    async def test_wrong_key(self, server: SSHServer) -> None:
        other = private_text(new_private_key())
        with pytest.raises(ssh.SSHAuthenticationFailedError):
            await run(target(server, password=None, private_key=other))

    async def test_closed_port(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        t = ssh.SSHTarget("127.0.0.1", "ops", port=port, password="x")
        with pytest.raises(ssh.SSHConnectionFailedError) as raised:
            await run(t)
        assert raised.value.code == "SSH_CONNECTION_FAILED"

    async def test_silent_port_times_out(self) -> None:
        accepted: list[asyncio.StreamWriter] = []
        silent = await asyncio.start_server(
            lambda _r, w: accepted.append(w), "127.0.0.1", 0
        )
        port = silent.sockets[0].getsockname()[1]
        try:
            with pytest.raises(ssh.SSHTimeoutError) as raised:
                await run(ssh.SSHTarget("127.0.0.1", "ops", port=port, password="x"))
        finally:
            for writer in accepted:
                writer.close()
            silent.close()
            await silent.wait_closed()
        assert raised.value.code == "SSH_TIMEOUT"

    async def test_changed_host_key_is_refused(self, server: SSHServer) -> None:
        recorded = new_private_key().export_public_key().decode()
        with pytest.raises(ssh.SSHHostKeyChangedError) as raised:
            await run(target(server, host_key=recorded))
        assert raised.value.code == "SSH_HOST_KEY_CHANGED"

    async def test_pinned_host_key_is_accepted(self, server: SSHServer) -> None:
        assert await run(target(server, host_key=server.host_key)) == ("hi\n", 3)

    async def test_strict_mode_needs_a_registered_key(self, server: SSHServer) -> None:
        with pytest.raises(ssh.SSHHostKeyUnknownError):
            await ssh.connect(target(server), FAST, strict=True)


class TestOpenSSH:
    async def test_key_login_and_host_key_pinning(self, tmp_path: Path) -> None:
        async with openssh_server(tmp_path / "sshd") as sshd:
            t = ssh.SSHTarget(
                sshd.host,
                sshd.username,
                port=sshd.port,
                private_key=sshd.client_key,
                host_key=sshd.host_key,
            )
            assert await run(t, "printf ok; exit 7") == ("ok", 7)
            with pytest.raises(ssh.SSHAuthenticationFailedError):
                await run(
                    ssh.SSHTarget(
                        sshd.host,
                        sshd.username,
                        port=sshd.port,
                        private_key=private_text(new_private_key()),
                    )
                )


class TestCiphers:
    async def test_openssh_negotiates_aes_gcm(self, tmp_path: Path) -> None:
        async with openssh_server(tmp_path / "sshd") as sshd:
            t = ssh.SSHTarget(
                sshd.host,
                sshd.username,
                port=sshd.port,
                private_key=sshd.client_key,
                host_key=sshd.host_key,
            )
            async with ssh.session(t, FAST) as connected:
                cipher = connected.conn.get_extra_info("send_cipher")
        assert cipher == "aes128-gcm@openssh.com"

    async def test_server_without_gcm_still_connects(self) -> None:
        async with (
            asyncssh_server(encryption_algs=["aes256-ctr"]) as server,
            ssh.session(target(server), FAST) as connected,
        ):
            cipher = connected.conn.get_extra_info("send_cipher")
            result = await connected.conn.run("echo hi")
        assert (cipher, result.stdout) == ("aes256-ctr", "hi\n")


class TestHostKeyAlgorithms:
    async def test_pinned_ed25519_key_of_a_server_that_also_has_rsa(
        self, tmp_path: Path
    ) -> None:
        rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
        async with openssh_server(tmp_path / "sshd", [rsa]) as sshd:
            t = ssh.SSHTarget(
                sshd.host,
                sshd.username,
                port=sshd.port,
                private_key=sshd.client_key,
                host_key=sshd.host_key,
            )
            assert await run(t, "printf ok") == ("ok", 0)

    async def test_pinned_rsa_key_is_still_asked_for(self, tmp_path: Path) -> None:
        rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
        async with openssh_server(tmp_path / "sshd", [rsa]) as sshd:
            t = ssh.SSHTarget(
                sshd.host,
                sshd.username,
                port=sshd.port,
                private_key=sshd.client_key,
                host_key=public_text(rsa),
            )
            assert await run(t, "printf ok") == ("ok", 0)

    async def test_first_use_records_the_ed25519_key(self, tmp_path: Path) -> None:
        rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
        async with openssh_server(tmp_path / "sshd", [rsa]) as sshd:
            t = ssh.SSHTarget(
                sshd.host, sshd.username, port=sshd.port, private_key=sshd.client_key
            )
            connected = await ssh.connect(t, FAST)
            connected.conn.close()
        assert connected.host_key == sshd.host_key
