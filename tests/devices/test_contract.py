"""The cross-domain devices contract against real SSH servers and PostgreSQL."""

from __future__ import annotations

import pytest

from app import events, ssh
from app.db import Sessionmaker, unit_of_work
from app.devices import service
from app.devices.errors import DeviceNotFoundError, GroupNotFoundError
from app.devices.models import Device, Group
from tests.devices.conftest import DeviceFactory
from tests.sshd import SSHServer

FAST = ssh.SSHLimits(connect_timeout=2.0, login_timeout=2.0)


async def domain_events(db: Sessionmaker) -> list[events.Event]:
    return await events.history(db, events.DOMAIN_STREAM, 0)


class TestSshTargets:
    async def test_password_target_logs_in(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        device = await ssh_device(server)
        async with db() as s:
            (found,) = await service.ssh_targets(s, [device.id])
        assert (found.device_id, found.name) == (device.id, "web-1")
        assert found.target.password == server.password
        async with ssh.session(found.target, FAST) as connected:
            result = await connected.conn.run("echo $((6*7))")
        assert result.stdout == "42\n"

    async def test_key_target_logs_in(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        device = await ssh_device(server, key=True)
        async with db() as s:
            (found,) = await service.ssh_targets(s, [device.id])
        assert found.target.password is None
        connected = await ssh.connect(found.target, FAST)
        connected.conn.close()
        assert connected.host_key == server.host_key

    async def test_keeps_the_requested_order(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        first = await ssh_device(server, name="a")
        second = await ssh_device(server, name="b")
        async with db() as s:
            found = await service.ssh_targets(s, [second.id, first.id])
        assert [t.name for t in found] == ["b", "a"]

    async def test_missing_device_is_named(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        device = await ssh_device(server)
        async with db() as s:
            with pytest.raises(DeviceNotFoundError) as raised:
                await service.ssh_targets(s, [device.id, 9998, 9999])
        assert raised.value.device_id == 9998

    async def test_pins_the_recorded_host_key(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        device = await ssh_device(server)
        async with unit_of_work(db) as s:
            await service.record_host_key(s, device.id, "ssh-ed25519 AAAAC3Nza other")
        async with db() as s:
            (found,) = await service.ssh_targets(s, [device.id])
        assert found.target.host_key == "ssh-ed25519 AAAAC3Nza other"


class TestRecordHostKey:
    async def test_first_key_is_kept(
        self, db: Sessionmaker, server: SSHServer, ssh_device: DeviceFactory
    ) -> None:
        device = await ssh_device(server)
        async with unit_of_work(db) as s:
            await service.record_host_key(s, device.id, server.host_key)
            await service.record_host_key(s, device.id, "ssh-ed25519 changed")
        async with db() as s:
            assert (await service.get_device(s, device.id)).host_key == server.host_key

    async def test_unknown_device(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            with pytest.raises(DeviceNotFoundError):
                await service.record_host_key(s, 4242, "ssh-ed25519 x")


class TestSetStatus:
    async def test_change_emits_one_event(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            device = Device(name="sw", hostname="sw-1", address="127.0.0.9")
            s.add(device)
            await s.flush()
            await service.set_status(s, device.id, "down", reason="ping lost")
            await service.set_status(s, device.id, "down")
        (event,) = await domain_events(db)
        assert event.type == "device.status.changed"
        assert event.data == {
            "device_id": device.id,
            "device": {"id": device.id, "hostname": "sw-1", "ip_address": "127.0.0.9"},
            "hostname": "sw-1",
            "address": "127.0.0.9",
            "status": "down",
            "previous_status": "unknown",
            "old": "unknown",
            "new": "down",
            "reason": "ping lost",
        }

    async def test_up_sets_last_seen(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            device = Device(name="sw", address="127.0.0.9")
            s.add(device)
            await s.flush()
            await service.set_status(s, device.id, "up")
        async with db() as s:
            assert (await service.get_device(s, device.id)).last_seen is not None

    async def test_bad_status(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            device = Device(name="sw", address="127.0.0.9")
            s.add(device)
            await s.flush()
            with pytest.raises(service.InvalidStatusError):
                await service.set_status(s, device.id, "sideways")


class TestUpsertDiscovered:
    async def test_new_device_is_announced(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            device = await service.upsert_discovered(
                s,
                address="127.0.0.20",
                hostname="core-sw",
                facts={"vendor": "Ciena", "sysDescr": "SAOS"},
            )
        assert (device.name, device.vendor) == ("core-sw", "Ciena")
        (event,) = await domain_events(db)
        assert (event.type, event.data) == (
            "device.discovered",
            {"device_id": device.id, "address": "127.0.0.20", "hostname": "core-sw"},
        )

    async def test_matches_by_address_then_hostname(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            first = await service.upsert_discovered(s, address="127.0.0.21", facts={})
            again = await service.upsert_discovered(
                s, address="127.0.0.21", hostname="edge", facts={"model": "3930"}
            )
            moved = await service.upsert_discovered(
                s, address="127.0.0.22", hostname="edge", facts={}
            )
        assert first.id == again.id == moved.id
        assert (again.hostname, again.model) == ("edge", "3930")
        assert [e.type for e in await domain_events(db)] == ["device.discovered"]


class TestMarkDiscovered:
    async def test_batch_matches_like_one_by_one(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            known = await service.upsert_discovered(
                s, address="127.0.0.31", hostname="known", facts={}
            )
            await service.set_status(s, known.id, "down")
            named = await service.upsert_discovered(
                s, address="127.0.0.32", hostname="named", facts={}
            )
            await service.set_status(s, named.id, "up")
        before = len(await domain_events(db))
        found = [
            service.Discovered("127.0.0.31", None, {"vendor": "Cisco"}),
            service.Discovered("127.0.0.33", "named", {}),
            service.Discovered("127.0.0.34", "twin", {"model": "mx480"}),
            service.Discovered("127.0.0.35", "twin", {}),
            service.Discovered("127.0.0.36", None, {}),
        ]
        async with unit_of_work(db) as s:
            devices = await service.mark_discovered(s, found, reason="scan x")
        ids = [d.id for d in devices]
        assert ids[:2] == [known.id, named.id]
        assert ids[2] == ids[3]
        assert len({*ids}) == 4
        assert (devices[0].vendor, devices[2].model) == ("Cisco", "mx480")
        assert {d.status for d in devices} == {"up"}
        assert (devices[4].name, devices[4].address) == ("127.0.0.36", "127.0.0.36")
        emitted = [
            (e.type, e.data["address"]) for e in (await domain_events(db))[before:]
        ]
        assert emitted == [
            ("device.status.changed", "127.0.0.31"),
            ("device.discovered", "127.0.0.34"),
            ("device.status.changed", "127.0.0.34"),
            ("device.discovered", "127.0.0.36"),
            ("device.status.changed", "127.0.0.36"),
        ]
        change = (await domain_events(db))[before]
        assert (change.data["old"], change.data["new"], change.data["reason"]) == (
            "down",
            "up",
            "scan x",
        )

    async def test_nothing_found_writes_nothing(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            assert await service.mark_discovered(s, [], reason="scan y") == []
        assert await domain_events(db) == []


class TestGroupDeviceIds:
    async def test_lists_members(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            devices = [Device(name=f"d{i}", address="127.0.0.1") for i in range(3)]
            group = Group(name="core")
            s.add_all([*devices, group])
            await s.flush()
            await service.repository.add_members(
                s, group.id, [devices[2].id, devices[0].id]
            )
        async with db() as s:
            ids = await service.group_device_ids(s, group.id)
        assert ids == sorted([devices[0].id, devices[2].id])

    async def test_unknown_group(self, db: Sessionmaker) -> None:
        async with db() as s:
            with pytest.raises(GroupNotFoundError):
                await service.group_device_ids(s, 777)


class TestGroupMembership:
    async def test_changes_are_events(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            device = Device(name="m", address="127.0.0.30")
            s.add(device)
            await s.flush()
            group = await service.create_group(s, "members", device_ids=[device.id])
            await service.add_devices(s, group.id, [device.id])
            await service.remove_devices(s, group.id, [device.id])
        kinds = [
            (e.type, e.data)
            for e in await domain_events(db)
            if e.type.startswith("group.")
        ]
        member = {"group_id": group.id, "device_id": device.id}
        assert kinds == [
            ("group.device.added", member),
            ("group.device.removed", member),
        ]

    async def test_unknown_device_is_refused(self, db: Sessionmaker) -> None:
        async with unit_of_work(db) as s:
            group = await service.create_group(s, "empty")
            with pytest.raises(DeviceNotFoundError):
                await service.add_devices(s, group.id, [31337])
