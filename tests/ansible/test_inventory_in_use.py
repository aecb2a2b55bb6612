"""An inventory a queued or running job uses cannot be deleted."""

from __future__ import annotations

import pytest

from app.ansible import job_service
from app.db import Sessionmaker
from tests.ansible.helpers import make_playbook
from tests.ansible.runs import LOCAL_INVENTORY, queue_job
from tests.conftest import RunningApp, TokenFactory

pytestmark = pytest.mark.usefixtures("controller_allowed")

DEBUG_TASK = "debug:\n  msg: hi\n"


class TestDeleteInventory:
    async def test_inventory_of_a_queued_job_is_in_use(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        playbook = await make_playbook(db, "uses-inventory", tasks=[(True, DEBUG_TASK)])
        job_id = await queue_job(db, [playbook.id], LOCAL_INVENTORY)
        async with db() as session:
            inventory_id = (await job_service.get_job(session, job_id)).inventory_id
        headers = {"Authorization": f"Bearer {token}"}
        refused = await app.http.delete(
            f"/api/inventories/{inventory_id}", headers=headers
        )
        assert (refused.status_code, refused.json()) == (
            409,
            {
                "success": False,
                "error": {
                    "code": "INVENTORY_IN_USE",
                    "message": "Inventory is used by a queued or running job",
                },
            },
        )
        async with db() as session:
            job = await job_service.get_job(session, job_id)
            await job_service.end_job(session, job, "failed", "test")
            await session.commit()
        deleted = await app.http.delete(
            f"/api/inventories/{inventory_id}", headers=headers
        )
        assert deleted.status_code == 200
