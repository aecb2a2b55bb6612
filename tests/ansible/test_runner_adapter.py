"""The ansible-runner adapter alone: SSH key through ssh-agent, host-key pinning."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app.ansible import runner
from tests.sshd import (
    SSHServer,
    asyncssh_server,
    new_private_key,
    openssh_server,
    public_text,
)

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: who
      command: echo {{ greeting }}
"""


def _inventory(server: SSHServer) -> str:
    return (
        f"pinned ansible_host=127.0.0.1 ansible_port={server.port} "
        f"ansible_user={server.username} ansible_python_interpreter=/usr/bin/python3\n"
    )


async def _run(spec: runner.RunInput) -> tuple[runner.RunResult, list[Any]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    result = await asyncio.to_thread(
        runner.run_playbook, spec, lambda k, d: seen.append((k, d)), lambda: False
    )
    return result, seen


class TestRunPlaybook:
    async def test_key_via_agent_pinned_host_and_redacted_secret(
        self, tmp_path: Path
    ) -> None:
        async with openssh_server(tmp_path) as server:
            spec = runner.RunInput(
                playbook_yaml=PLAYBOOK,
                inventory=_inventory(server),
                extra_vars={"greeting": "s3cret-word"},
                ssh_key=server.client_key,
                known_hosts=f"[127.0.0.1]:{server.port} {server.host_key}\n",
                secrets=("s3cret-word",),
            )
            result, seen = await _run(spec)
        assert result.status == "success"
        assert "changed: [pinned]" in result.output
        assert "s3cret-word" not in result.output
        assert "s3cret-word" not in repr(seen)
        assert ("host.changed", "pinned") in [(k, d.get("host")) for k, d in seen]

    async def test_wrong_pinned_host_key_is_unreachable(self, tmp_path: Path) -> None:
        async with openssh_server(tmp_path) as server:
            impostor = public_text(new_private_key())
            spec = runner.RunInput(
                playbook_yaml=PLAYBOOK,
                inventory=_inventory(server),
                extra_vars={"greeting": "hi"},
                host_keys={"pinned": server.client_key},
                known_hosts=f"[127.0.0.1]:{server.port} {impostor}\n",
            )
            result, seen = await _run(spec)
        assert result.status == "failed"
        kinds = [k for k, _ in seen if k.startswith("host.")]
        assert kinds == ["host.unreachable"]
        failure = next(d for k, d in seen if k == "host.unreachable")
        assert "Host key verification failed" in failure["msg"]

    async def test_strict_mode_refuses_an_unpinned_host(self, tmp_path: Path) -> None:
        async with openssh_server(tmp_path) as server:
            spec = runner.RunInput(
                playbook_yaml=PLAYBOOK,
                inventory=_inventory(server),
                extra_vars={"greeting": "hi"},
                host_keys={"pinned": server.client_key},
                strict_host_keys=True,
            )
            result, seen = await _run(spec)
        assert result.status == "failed"
        failure = next(d for k, d in seen if k == "host.unreachable")
        assert "Host key verification failed" in failure["msg"]

    async def test_password_login_from_host_vars(self) -> None:
        async with asyncssh_server() as server:
            assert server.password is not None
            spec = runner.RunInput(
                playbook_yaml=PLAYBOOK,
                inventory="pw-host\n",
                extra_vars={"greeting": "hello"},
                host_vars={
                    "pw-host": {
                        "ansible_host": "127.0.0.1",
                        "ansible_port": server.port,
                        "ansible_user": server.username,
                        "ansible_password": server.password,
                        "ansible_python_interpreter": "/usr/bin/python3",
                    }
                },
                known_hosts=f"[127.0.0.1]:{server.port} {server.host_key}\n",
                secrets=(server.password,),
            )
            result, seen = await _run(spec)
        assert result.status == "success", result.output
        assert "changed: [pw-host]" in result.output
        assert server.password not in result.output + repr(seen)
