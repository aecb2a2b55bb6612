"""Mount every surface at its configured prefix; refuse colliding routes."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import Route

from app.compat import ansible_hub, birun, mockops, opmas, opsconductor
from app.compat.ansible_hub import conversations as _hub_ai  # noqa: F401  registers
from app.compat.ansible_hub import inventories as _hub_inventories  # noqa: F401  registers
from app.compat.ansible_hub import playbooks as _ansible_playbooks  # noqa: F401  registers
from app.compat.base import Surface, route_shape
from app.compat.birun import auth as _birun_auth  # noqa: F401  registers
from app.compat.birun import health as _birun_health  # noqa: F401  registers
from app.compat.birun import schedules as _birun_schedules  # noqa: F401  registers
from app.compat.birun import scripts as _birun_scripts  # noqa: F401  registers
from app.compat.birun import servers as _birun_servers  # noqa: F401  registers
from app.compat.birun import settings as _birun_settings  # noqa: F401  registers
from app.compat.birun import workflows as _birun_workflows  # noqa: F401  registers
from app.compat.mockops import federations as _mockops_federations  # noqa: F401
from app.compat.mockops import pipelines as _mockops_pipelines  # noqa: F401  registers
from app.compat.opmas import playbooks as _opmas_playbooks  # noqa: F401  registers
from app.compat.opsconductor import alerts as _oc_alerts  # noqa: F401  registers
from app.compat.opsconductor import auth as _opsconductor_auth  # noqa: F401  registers
from app.compat.opsconductor import credentials as _oc_credentials  # noqa: F401  registers
from app.compat.opsconductor import devices as _oc_devices  # noqa: F401  registers
from app.compat.opsconductor import legacy_fleet as _legacy_fleet  # noqa: F401  registers
from app.compat.opsconductor import legacy_scans as _legacy_scans  # noqa: F401  registers
from app.compat.opsconductor import logs as _oc_logs  # noqa: F401  registers
from app.compat.opsconductor import netbox as _oc_netbox  # noqa: F401  registers
from app.compat.opsconductor import (  # noqa: F401  registers
    notifications as _oc_notifications,
)
from app.compat.opsconductor import polling as _opsconductor_polling  # noqa: F401  registers
from app.compat.opsconductor import scans as _opsconductor_scans  # noqa: F401  registers
from app.compat.opsconductor import (  # noqa: F401  registers
    scheduler as _opsconductor_scheduler,
)
from app.compat.opsconductor import settings as _oc_settings  # noqa: F401  registers
from app.compat.opsconductor import system as _oc_system  # noqa: F401  registers
from app.compat.opsconductor import users as _opsconductor_users  # noqa: F401  registers
from app.compat.opsconductor import (  # noqa: F401  registers
    workflows as _opsconductor_workflows,
)
from app.settings import Settings

SURFACES: tuple[tuple[str, Surface], ...] = (
    ("opmas", opmas.surface),
    ("mockops", mockops.surface),
    ("opsconductor", opsconductor.surface),
    ("opsconductor_legacy", opsconductor.legacy),
    ("ansible_hub", ansible_hub.surface),
    ("birun", birun.surface),
)


class RouteCollisionError(RuntimeError):
    """Raised at start-up when two surfaces claim the same method and path."""


@dataclass(frozen=True)
class Mounted:
    """A surface at its prefix, with the first path segments its routes own."""

    surface: Surface
    prefix: str
    heads: frozenset[str]

    def owns(self, path: str) -> int:
        """How well `path` belongs here: prefix length, plus one if a head matches."""
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            return -1
        head = path[len(self.prefix) :].strip("/").split("/")[0]
        if head in self.heads:
            return len(self.prefix) + 1
        # A root-mounted surface only owns the paths its routes start with.
        return len(self.prefix) if self.prefix else -1


def mount(settings: Settings) -> tuple[list[Route], list[Mounted]]:
    """Every surface's routes, after checking no two share a method and path."""
    claimed: dict[tuple[str, str], str] = {}
    routes: list[Route] = []
    mounted: list[Mounted] = []
    for name, surface in SURFACES:
        prefix = settings.rest_prefix(name)
        for r in surface.routes:
            key = (r.method, route_shape(prefix + r.path))
            if key in claimed:
                if claimed[key] == name:
                    raise RouteCollisionError(
                        f"{r.method} {prefix}{r.path} is registered twice on the "
                        f"{name} surface"
                    )
                raise RouteCollisionError(
                    f"{r.method} {prefix}{r.path} is claimed by both the "
                    f"{claimed[key]} and the {name} surface; set OPSGRAPH_REST_PREFIX_"
                    f"{name.upper()} to move one of them"
                )
            claimed[key] = name
        routes.extend(surface.starlette_routes(prefix))
        heads = frozenset(r.path.strip("/").split("/")[0] for r in surface.routes)
        mounted.append(Mounted(surface, prefix, heads))
    return routes, mounted


def surface_for(path: str, mounted: list[Mounted]) -> Surface | None:
    """The surface whose prefix (and route heads) fit `path` best."""
    best = max(mounted, key=lambda m: m.owns(path), default=None)
    if best is None or best.owns(path) < 0:
        return None
    return best.surface
