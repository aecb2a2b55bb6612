"""The NetBox GraphQL face: reads, sync, import with its summary, payload unions."""

from __future__ import annotations

from typing import Any

from app.db import Sessionmaker
from app.devices import service as devices_service
from app.devices.graphql.types import Device, DeviceGroup
from app.graphql.nodes import global_id
from tests.conftest import RunningApp
from tests.connections import PAGE, assert_constant_statements, walk
from tests.netbox.conftest import Netbox

NOT_FOUND_77 = "Related object not found using the provided numeric ID: 77"
IMPORT = """mutation($filter: NetboxDeviceFilter) {
  importNetboxDevices(filter: $filter) {
    __typename
    ... on ImportNetboxDevicesSuccess { created updated unchanged skipped }
    ... on Error { message }
  }
}"""
SYNC = """mutation($id: ID!, $placement: NetboxPlacementInput) {
  syncDeviceToNetbox(deviceId: $id, placement: $placement) {
    __typename
    ... on SyncDeviceToNetboxSuccess { deviceId netboxId created changed }
    ... on NetboxRejected { message fields }
    ... on Error { message code field }
  }
}"""


async def _data(app: RunningApp, token: str, query: str, **variables: Any) -> Any:
    body = await app.gql(query, variables, token=token)
    assert "errors" not in body, body
    return body["data"]


class TestReads:
    async def test_status_devices_and_catalogues(
        self, app: RunningApp, admin: str
    ) -> None:
        data = await _data(
            app,
            admin,
            """query { netboxStatus { connected version error }
              netboxDevices(filter: {site: "ams-dc1", status: "active"}) {
                totalCount edges { node {
                name status primaryIp4 site { slug } role { slug }
                deviceType { manufacturer model } platform { name }
                opsgraphDevice { id } } } }
              netboxSites { edges { node { slug } } }
              netboxDeviceRoles { totalCount }
              netboxDeviceTypes { totalCount edges { node { model manufacturer } } }
            }""",
        )
        devices = [e["node"] for e in data["netboxDevices"]["edges"]]
        assert data["netboxStatus"] == {
            "connected": True,
            "version": "4.4.10",
            "error": None,
        }
        assert devices[0] == {
            "name": "nb-dev-1",
            "status": "active",
            "primaryIp4": "127.0.9.1",
            "site": {"slug": "ams-dc1"},
            "role": {"slug": "core-router"},
            "deviceType": {"manufacturer": "Juniper", "model": "MX204"},
            "platform": {"name": "Junos"},
            "opsgraphDevice": None,
        }
        assert [d["name"] for d in devices] == ["nb-dev-1", "nb-dev-2"]
        sites = [e["node"]["slug"] for e in data["netboxSites"]["edges"]]
        assert sites == ["ams-dc1", "fra-dc1"]
        assert data["netboxDeviceRoles"]["totalCount"] == 2
        assert data["netboxDeviceTypes"]["totalCount"] == 2


class TestImport:
    async def test_import_is_idempotent_and_follows_changes(
        self, app: RunningApp, admin: str, netbox: Netbox, db: Sessionmaker
    ) -> None:
        netbox.fake.add("devices", name="no-ip", site=1, role=1, device_type=1)
        first = (await _data(app, admin, IMPORT))["importNetboxDevices"]
        assert first == {
            "__typename": "ImportNetboxDevicesSuccess",
            "created": 3,
            "updated": 0,
            "unchanged": 0,
            "skipped": 1,
        }
        again = (await _data(app, admin, IMPORT))["importNetboxDevices"]
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
        netbox.fake.tables["devices"][2]["name"] = "nb-dev-2-renamed"
        third = await _data(app, admin, IMPORT, filter={"role": "access-switch"})
        summary = third["importNetboxDevices"]
        assert (summary["created"], summary["updated"], summary["unchanged"]) == (
            0,
            1,
            1,
        )
        devices, groups = await _fleet(db)
        by_name = {d.name: d for d in devices}
        assert sorted(by_name) == ["nb-dev-1", "nb-dev-2-renamed", "nb-dev-3"]
        one = by_name["nb-dev-1"]
        assert (one.address, one.vendor, one.model, one.software_version) == (
            "127.0.9.1",
            "Juniper",
            "MX204",
            "Junos",
        )
        assert sorted(g.name for g in groups[one.id]) == [
            "netbox-role-core-router",
            "netbox-site-ams-dc1",
        ]
        listed = await _data(
            app,
            admin,
            "query { netboxDevices { edges { node { opsgraphDevice { number } } } } }",
        )
        linked = [e["node"]["opsgraphDevice"] for e in listed["netboxDevices"]["edges"]]
        assert {d and d["number"] for d in linked} == {d.id for d in devices} | {None}


async def _fleet(db: Sessionmaker) -> tuple[list[Any], dict[int, list[Any]]]:
    async with db() as session:
        devices, _ = await devices_service.list_devices(
            session, devices_service.DeviceFilter()
        )
        groups = await devices_service.groups_of(session, [d.id for d in devices])
    return devices, groups


class TestSync:
    async def test_sync_and_failures_are_union_members(
        self, app: RunningApp, admin: str, netbox: Netbox, db: Sessionmaker
    ) -> None:
        created = await app.http.post(
            "/api/devices",
            json={"name": "gql-1", "ip_address": "127.0.8.20"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        device_id = global_id(Device, created.json()["data"]["id"])
        placement = {"siteId": 2, "roleId": 2}
        first = await _data(app, admin, SYNC, id=device_id, placement=placement)
        assert first["syncDeviceToNetbox"]["created"] is True
        assert first["syncDeviceToNetbox"]["deviceId"] == device_id
        again = await _data(app, admin, SYNC, id=device_id, placement=placement)
        assert again["syncDeviceToNetbox"]["changed"] is False
        for raw in (global_id(Device, 999999), global_id(DeviceGroup, 1), "999"):
            missing = await _data(app, admin, SYNC, id=raw)
            assert missing["syncDeviceToNetbox"] == {
                "__typename": "DeviceNotFound",
                "message": missing["syncDeviceToNetbox"]["message"],
                "code": "DEVICE_NOT_FOUND",
                "field": "deviceId",
            }
        refused = await _data(
            app, admin, SYNC, id=device_id, placement={"siteId": 2, "roleId": 77}
        )
        assert refused["syncDeviceToNetbox"] == {
            "__typename": "NetboxRejected",
            "message": f"role: {NOT_FOUND_77}",
            "fields": {"role": [NOT_FOUND_77]},
            "code": "NETBOX_REJECTED",
            "field": None,
        }


AUTODISCOVER = """mutation($input: NetboxAutodiscoveryInput!) {
  netboxAutodiscovery(input: $input) {
    __typename
    ... on NetboxAutodiscoverySuccess { scan { type targets totalTargets status } }
    ... on Error { message }
  }
}"""


class TestAutodiscovery:
    async def test_starts_a_scan_of_that_network_only_or_says_why_not(
        self, app: RunningApp, admin: str
    ) -> None:
        started = await _data(
            app,
            admin,
            AUTODISCOVER,
            input={"network": "127.0.7.0/30", "siteId": 1, "createInNetbox": True},
        )
        assert started["netboxAutodiscovery"] == {
            "__typename": "NetboxAutodiscoverySuccess",
            "scan": {
                "type": "discovery",
                "targets": ["127.0.7.0/30"],
                "totalTargets": 2,
                "status": "running",
            },
        }
        too_big = await _data(
            app, admin, AUTODISCOVER, input={"network": "127.0.0.0/8"}
        )
        assert too_big["netboxAutodiscovery"]["__typename"] == "InvalidScanRequest"


def listing(field: str, inner: str) -> str:
    return f"""query($first: Int, $after: String, $last: Int, $before: String) {{
      {field}(first: $first, after: $after, last: $last, before: $before) {{
        {PAGE} edges {{ cursor node {{ {inner} }} }} }} }}"""


class TestConnections:
    async def test_remote_lists_page_both_ways(
        self, app: RunningApp, admin: str, netbox: Netbox
    ) -> None:
        lists = {
            "netboxDevices": ("devices", "name opsgraphDevice { id }"),
            "netboxSites": ("sites", "name"),
            "netboxDeviceRoles": ("roles", "name"),
        }
        for field, (table, inner) in lists.items():
            query = listing(field, f"id: netboxId {inner}")

            async def grow(n: int, table: str = table) -> None:
                for k in range(len(netbox.fake.tables[table]), n):
                    extra = {"site": 1, "role": 1, "device_type": 1}
                    if table != "devices":
                        extra = {"slug": f"x-{k}"}
                    netbox.fake.add(table, name=f"x-{k % 3}", **extra)

            await assert_constant_statements(app, admin, query, field, grow)
            names = await walk(app, admin, query, field, 7)
            assert len(names) == len(netbox.fake.tables[table])
