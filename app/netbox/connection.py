"""The NetBox connection the runtime settings describe right now."""

from __future__ import annotations

from app.db import Sessionmaker
from app.netbox import client
from app.outbound import Policy
from app.runtime_settings import service as settings_service
from app.settings import Settings


async def connection(db: Sessionmaker, settings: Settings) -> client.Connection:
    """URL, token, TLS and timeout from the settings; raises when not configured.

    The URL obeys the outbound policy webhooks use (loopback only with
    OPSGRAPH_ALLOW_LOOPBACK_URLS).
    """
    current = await settings_service.effective(db)
    return client.Connection(
        url=current.netbox_url,
        token=current.netbox_token,
        verify_tls=current.netbox_verify_tls,
        timeout=float(current.netbox_timeout_seconds),
        policy=Policy(allow_loopback=settings.allow_loopback_urls),
    )
