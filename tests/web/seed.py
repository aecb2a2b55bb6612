"""What the console tests find on the server, created through its GraphQL API.

Two devices (one the OpenSSH sshd fixture, one a closed loopback port), two
groups, an alert (the dark device's failed connection test raises it) and a
viewer with TOTP enabled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp

from tests.conftest import free_port
from tests.sshd import SSHServer
from tests.web.server import ADMIN, Login

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginSuccess { accessToken } } }"""
CREDENTIAL = """mutation($i: CredentialInput!) { createCredential(input: $i) {
  __typename ... on CredentialSuccess { credential { id } } } }"""
DEVICE = """mutation($i: DeviceInput!) { createDevice(input: $i) {
  __typename ... on DeviceSuccess { device { id } } } }"""
GROUP = """mutation($n: String!, $d: [ID!]) {
  createDeviceGroup(name: $n, deviceIds: $d) {
  __typename ... on DeviceGroupSuccess { group { id } } } }"""
PROBE = """mutation($d: ID!) { testDeviceConnection(deviceId: $d) {
  __typename ... on DeviceReachability { ok } } }"""
ALERTS = "{ alerts(first: 20) { edges { node { title status } } } }"
USER = """mutation($i: CreateUserInput!) { createUser(input: $i) {
  __typename ... on UserSuccess { user { id } } } }"""
ENROLL = """mutation { enrollTwoFactor { __typename
  ... on TwoFactorEnrolment { secret } } }"""
CONFIRM = """mutation($c: String!) { confirmTwoFactor(code: $c) { __typename } }"""
RUN = """mutation($d: [ID!]!, $c: String!) { runCommand(deviceIds: $d, command: $c) {
  __typename ... on RunCommandSuccess { execution { id number } } } }"""
EXECUTION = "query($id: ID!) { node(id: $id) { ... on Execution { status } } }"
ENDED = {"completed", "failed", "cancelled", "timeout"}

SSH_DEVICE = "sshd-host"
DARK_DEVICE = "dark-host"
GROUP_ALL = "lab"
GROUP_SSH = "reachable"
ALERT_TITLE = "Device Unreachable"
TOTP_USER = Login("tia", "tia-console-password-1")


class Api:
    """GraphQL over HTTP as one user."""

    def __init__(self, client: httpx.AsyncClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    async def call(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The `data` of a successful operation (fails the test otherwise)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body
        return body["data"]

    async def mutate(self, query: str, success: str, **variables: Any) -> Any:
        """The payload of a mutation that must answer `success`."""
        payload = next(iter((await self.call(query, variables)).values()))
        assert payload["__typename"] == success, payload
        return payload

    async def log_in(self, login: Login) -> None:
        """Log in as `login`; later calls carry its token."""
        found = await self.mutate(
            LOGIN, "LoginSuccess", u=login.username, p=login.password
        )
        self.token = found["accessToken"]

    async def run_command(self, device_id: str, command: str) -> tuple[str, int]:
        """Start `command` on one device; the execution's id and number."""
        found = await self.mutate(RUN, "RunCommandSuccess", d=[device_id], c=command)
        return found["execution"]["id"], found["execution"]["number"]

    async def status(self, execution_id: str) -> str:
        """An execution's status now."""
        found = await self.call(EXECUTION, {"id": execution_id})
        return str(found["node"]["status"])

    async def wait_ended(self, execution_id: str) -> str:
        """Poll an execution until it ends (at most 20 s); its final status."""
        async with asyncio.timeout(20):
            while True:
                status = await self.status(execution_id)
                if status in ENDED:
                    return status
                await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Seeded:
    """The server and what was put on it."""

    base_url: str
    devices: dict[str, str]  # name -> global id
    totp: pyotp.TOTP  # TOTP_USER's authenticator


async def seed(base_url: str, sshd: SSHServer) -> Seeded:
    """Fill a fresh server through GraphQL, as an admin would."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        admin = Api(client)
        await admin.log_in(ADMIN)
        devices = await _devices(admin, sshd)
        await admin.mutate(
            GROUP, "DeviceGroupSuccess", n=GROUP_ALL, d=[*devices.values()]
        )
        await admin.mutate(
            GROUP, "DeviceGroupSuccess", n=GROUP_SSH, d=[devices[SSH_DEVICE]]
        )
        await _probe(admin, devices[SSH_DEVICE], ok=True)
        await _probe(admin, devices[DARK_DEVICE], ok=False)
        await _wait_alert(admin)
        totp = await _totp_user(admin, Api(client))
    return Seeded(base_url, devices, totp)


async def _devices(admin: Api, sshd: SSHServer) -> dict[str, str]:
    """The sshd fixture's host (pinned key, key login) and a dark loopback host.

    The dark host is on 127.0.0.2 so a discovery scan of 127.0.0.1 never
    matches it (and never resolves its alert by marking it up).
    """
    key = {"credentialType": "ssh", "username": sshd.username}
    found = await admin.mutate(
        CREDENTIAL,
        "CredentialSuccess",
        i={**key, "name": "sshd-key", "privateKey": sshd.client_key},
    )
    credential = found["credential"]["id"]
    hosts = {
        SSH_DEVICE: {"address": sshd.host, "port": sshd.port, "hostKey": sshd.host_key},
        DARK_DEVICE: {"address": "127.0.0.2", "port": free_port()},
    }
    devices = {}
    for name, where in hosts.items():
        fields = {**where, "name": name, "credentialId": credential}
        created = await admin.mutate(DEVICE, "DeviceSuccess", i=fields)
        devices[name] = created["device"]["id"]
    return devices


async def _probe(admin: Api, device: str, *, ok: bool) -> None:
    """Test a device's connection: it is marked up, or down (which raises an alert)."""
    probed = await admin.mutate(PROBE, "DeviceReachability", d=device)
    assert probed["ok"] is ok, probed


async def _wait_alert(admin: Api) -> None:
    """Wait for the alert rules to raise the dark device's alert."""
    async with asyncio.timeout(10):
        while True:
            if ALERT_TITLE in await _alert_titles(admin):
                return
            await asyncio.sleep(0.2)


async def _alert_titles(admin: Api) -> set[str]:
    edges = (await admin.call(ALERTS))["alerts"]["edges"]
    return {e["node"]["title"] for e in edges}


async def _totp_user(admin: Api, user: Api) -> pyotp.TOTP:
    """A viewer that enrolled an authenticator and confirmed it."""
    fields = {"username": TOTP_USER.username, "password": TOTP_USER.password}
    await admin.mutate(USER, "UserSuccess", i=fields)
    await user.log_in(TOTP_USER)
    enrolment = await user.mutate(ENROLL, "TwoFactorEnrolment")
    totp = pyotp.TOTP(enrolment["secret"])
    await user.mutate(CONFIRM, "Done", c=totp.now())
    return totp
