"""A NetBox-compatible server for tests: a stand-in following NetBox 4.4's REST API.

NetBox itself cannot be installed from the registries these machines reach, so
the tests run against this small Starlette app on 127.0.0.1. It follows NetBox
4.4 as read from netbox-community/netbox (netbox/api/pagination.py, the dcim and
ipam serializers and filtersets, token authentication) and from shapes observed
on a real NetBox 4.4.10 (shared/reference/netbox-4.4-api.md beside the project):

- `Authorization: Token <key>`; a wrong key answers 403 `{"detail": "Invalid token"}`,
  no header 403 `{"detail": "Authentication credentials were not provided."}`;
- lists are `{count, next, previous, results}` with `limit`/`offset`
  (PAGINATE_COUNT default, MAX_PAGE_SIZE cap, `limit=0` means the cap);
- `status` is `{value, label}`, related objects are nested brief forms,
  `primary_ip4.address` keeps its prefix length;
- device filters `site`/`role` (slug), `site_id`/`role_id`, `status`, `name`, `q`;
  an unknown choice is 400 keyed by the filter;
- writes take related objects by numeric id and answer 400 keyed by field
  (`["This field is required."]`, `["Related object not found using the provided
  numeric ID: 9"]`).

Only the endpoints OpsGraph uses exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

NOW = "2026-12-04T17:44:20.560087Z"
REQUIRED = ["This field is required."]
LABELS = {
    "active": "Active",
    "offline": "Offline",
    "planned": "Planned",
    "staged": "Staged",
    "failed": "Failed",
    "inventory": "Inventory",
    "decommissioning": "Decommissioning",
}
# fmt: off
UNSET_DEVICE_FIELDS = (
    "tenant", "asset_tag", "location", "rack", "position", "face", "parent_device",
    "airflow", "primary_ip6", "oob_ip", "cluster", "virtual_chassis", "vc_position",
    "vc_priority", "config_template", "local_context_data",
)
# fmt: on
# path -> (table, model name in 404s, fields a POST must carry, related fields)
ENDPOINTS: dict[str, tuple[str, str, tuple[str, ...], dict[str, str]]] = {
    "dcim/sites": ("sites", "Site", ("name", "slug"), {}),
    "dcim/device-roles": ("roles", "DeviceRole", ("name", "slug"), {}),
    "dcim/platforms": ("platforms", "Platform", ("name", "slug"), {}),
    "dcim/manufacturers": ("manufacturers", "Manufacturer", ("name", "slug"), {}),
    "dcim/device-types": (
        "types",
        "DeviceType",
        ("manufacturer", "model", "slug"),
        {"manufacturer": "manufacturers"},
    ),
    "dcim/devices": (
        "devices",
        "Device",
        ("device_type", "role", "site"),
        {
            "device_type": "types",
            "role": "roles",
            "site": "sites",
            "platform": "platforms",
            "primary_ip4": "ips",
        },
    ),
    "dcim/interfaces": (
        "interfaces",
        "Interface",
        ("device", "name", "type"),
        {"device": "devices"},
    ),
    "ipam/ip-addresses": ("ips", "IPAddress", ("address",), {}),
}


@dataclass
class FakeNetbox:
    """The stored objects (plain dicts with related ids) and the HTTP app."""

    token: str
    paginate_count: int = 50
    max_page_size: int = 1000
    version: str = "4.4.10"
    tables: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for table, *_ in ENDPOINTS.values():
            self.tables.setdefault(table, {})

    def add(self, table: str, **values: Any) -> dict[str, Any]:
        """Store one object as NetBox would after a valid POST; returns it."""
        row = {
            "id": max(self.tables[table], default=0) + 1,
            "description": "",
            **values,
        }
        if table in ("devices", "sites", "ips"):
            row.setdefault("status", "active")
        self.tables[table][row["id"]] = row
        return row

    def count(self) -> int:
        """How many objects of every kind exist."""
        return sum(len(rows) for rows in self.tables.values())

    def app(self) -> Starlette:
        """The Starlette application serving /api/..."""
        routes = [Route("/api/status/", self._status)]
        for path in ENDPOINTS:
            routes.append(Route(f"/api/{path}/", self._list, methods=["GET", "POST"]))
            routes.append(
                Route(f"/api/{path}/{{pk:int}}/", self._one, methods=["GET", "PATCH"])
            )
        return Starlette(routes=routes)

    # --- HTTP handlers -------------------------------------------------------

    def _denied(self, request: Request) -> JSONResponse | None:
        self.requests.append((request.method, request.url.path, request.url.query))
        header = request.headers.get("authorization", "")
        if not header.startswith("Token "):
            detail = "Authentication credentials were not provided."
            return JSONResponse({"detail": detail}, 403)
        if header.removeprefix("Token ") != self.token:
            return JSONResponse({"detail": "Invalid token"}, 403)
        return None

    async def _status(self, request: Request) -> JSONResponse:
        denied = self._denied(request)
        return denied or JSONResponse(
            {
                "django-version": "5.2.9",
                "installed_apps": {},
                "netbox-version": self.version,
                "netbox-full-version": self.version,
                "plugins": {},
                "python-version": "3.11.7",
                "rq-workers-running": 0,
            }
        )

    async def _list(self, request: Request) -> JSONResponse:
        denied = self._denied(request)
        if denied:
            return denied
        path = request.url.path.removeprefix("/api/").rstrip("/")
        table = ENDPOINTS[path][0]
        if request.method == "POST":
            return await self._create(request, path)
        rows, errors = self._filter(table, request)
        if errors:
            return JSONResponse(errors, 400)
        return JSONResponse(self._page(request, table, rows))

    async def _one(self, request: Request) -> JSONResponse:
        denied = self._denied(request)
        if denied:
            return denied
        path = request.url.path.removeprefix("/api/").rsplit("/", 2)[0]
        table, model, _, related = ENDPOINTS[path]
        row = self.tables[table].get(request.path_params["pk"])
        if row is None:
            return JSONResponse({"detail": f"No {model} matches the given query."}, 404)
        if request.method == "PATCH":
            changes = await request.json()
            errors = self._check(related, changes) or self._check_primary(row, changes)
            if errors:
                return JSONResponse(errors, 400)
            row.update(changes)
        return JSONResponse(self.show(request, table, row))

    async def _create(self, request: Request, path: str) -> JSONResponse:
        table, _, required, related = ENDPOINTS[path]
        body = await request.json()
        errors = {k: REQUIRED for k in required if body.get(k) in (None, "")}
        errors = errors or self._check(related, body)
        if table == "ips" and not errors and "/" not in body["address"]:
            errors = {"address": ["CIDR mask (e.g. /24) is required."]}
        if errors:
            return JSONResponse(errors, 400)
        row = self.add(table, **body)
        return JSONResponse(self.show(request, table, row), 201)

    def _check(self, related: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        for key, table in related.items():
            value = body.get(key)
            if value is not None and value not in self.tables[table]:
                message = (
                    f"Related object not found using the provided numeric ID: {value}"
                )
                errors[key] = [message]
        if "status" in body and body["status"] not in LABELS:
            errors["status"] = [f'"{body["status"]}" is not a valid choice.']
        return errors

    def _check_primary(self, device: dict[str, Any], changes: dict[str, Any]) -> Any:
        ip_id = changes.get("primary_ip4")
        if ip_id is None or "device_type" not in device:
            return {}
        ip = self.tables["ips"][ip_id]
        interface = self.tables["interfaces"].get(ip.get("assigned_object_id") or 0)
        if interface is None or interface["device"] != device["id"]:
            message = (
                f"The specified IP address ({ip['address']}) is not assigned to "
                "this device."
            )
            return {"primary_ip4": [message]}
        return {}

    # --- filtering and pagination ---------------------------------------------

    def _filter(
        self, table: str, request: Request
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rows = list(self.tables[table].values())
        params = request.query_params
        errors: dict[str, Any] = {}
        for name, by_slug in (
            ("site", True),
            ("role", True),
            ("site_id", False),
            ("role_id", False),
        ):
            if table == "devices" and name in params:
                rows = self._related(rows, name, by_slug, params.getlist(name), errors)
        for name in ("name", "slug", "model", "status"):
            if name in params:
                rows = [r for r in rows if str(r.get(name)) in params.getlist(name)]
        if "status" in params and not set(params.getlist("status")) <= set(LABELS):
            bad = next(s for s in params.getlist("status") if s not in LABELS)
            errors["status"] = [_bad_choice(bad)]
        for name in ("device_id", "manufacturer_id"):
            if name in params:
                ids = {int(v) for v in params.getlist(name)}
                rows = [r for r in rows if r.get(name.removesuffix("_id")) in ids]
        if "address" in params:
            hosts = {v.split("/")[0] for v in params.getlist("address")}
            rows = [r for r in rows if r["address"].split("/")[0] in hosts]
        if params.get("q", "").strip():
            rows = [r for r in rows if self._matches(r, params["q"])]
        return sorted(
            rows, key=lambda r: (r.get("name") or r.get("model") or "", r["id"])
        ), errors

    def _related(
        self,
        rows: list[dict[str, Any]],
        name: str,
        by_slug: bool,
        wanted: list[str],
        errors: dict[str, Any],
    ) -> list[dict[str, Any]]:
        column = name.removesuffix("_id")
        table = "sites" if column == "site" else "roles"
        ids = set()
        for value in wanted:
            found = [
                r["id"]
                for r in self.tables[table].values()
                if (r["slug"] if by_slug else str(r["id"])) == value
            ]
            if not found:
                errors[name] = [_bad_choice(value)]
            ids.update(found)
        return [r for r in rows if r.get(column) in ids]

    def _matches(self, row: dict[str, Any], q: str) -> bool:
        texts = [row.get("name") or "", row.get("description") or ""]
        ip = self.tables["ips"].get(row.get("primary_ip4") or 0)
        if q.strip().lower() in " ".join(texts).lower():
            return True
        return ip is not None and ip["address"].startswith(q)

    def _page(self, request: Request, table: str, rows: list[Any]) -> dict[str, Any]:
        limit = min(self.paginate_count, self.max_page_size)
        asked = request.query_params.get("limit", "")
        if asked.isdigit():  # anything else: the default, as NetBox does
            limit = self.max_page_size if int(asked) == 0 else int(asked)
            limit = min(limit, self.max_page_size)
        offset = int(request.query_params.get("offset", "0") or 0)
        page = rows[offset : offset + limit]
        base = dict(request.query_params)

        def link(at: int) -> str:
            query = {**base, "limit": str(limit), "offset": str(at)}
            if at <= 0:
                query.pop("offset")
            return (
                f"{request.base_url}{request.url.path.lstrip('/')}?{urlencode(query)}"
            )

        return {
            "count": len(rows),
            "next": link(offset + limit) if offset + limit < len(rows) else None,
            "previous": link(offset - limit) if offset > 0 else None,
            "results": [self.show(request, table, r) for r in page],
        }

    # --- serializers ---------------------------------------------------------

    def _url(self, request: Request, path: str, pk: int) -> str:
        return f"{request.base_url}api/{path}/{pk}/"

    def brief(self, request: Request, table: str, pk: int | None) -> Any:
        """The nested form of an object, as NetBox 4.4 embeds it."""
        row = self.tables[table].get(pk or 0)
        if row is None:
            return None
        path = next(p for p, spec in ENDPOINTS.items() if spec[0] == table)
        head = {"id": row["id"], "url": self._url(request, path, row["id"])}
        label = row.get("name") or row.get("model") or row.get("address")
        head |= {"display": label, "description": row["description"]}
        if table == "ips":
            family = {"value": 4, "label": "IPv4"}
            return {**head, "family": family, "address": row["address"]}
        if table == "types":
            maker = self.brief(request, "manufacturers", row["manufacturer"])
            return {
                **head,
                "manufacturer": maker,
                "model": row["model"],
                "slug": row["slug"],
            }
        if table == "interfaces":
            device = self.brief(request, "devices", row["device"])
            return {
                **head,
                "device": device,
                "name": row["name"],
                "cable": None,
                "_occupied": False,
            }
        head["name"] = row.get("name")
        if table == "devices":
            return head
        head["slug"] = row["slug"]
        if table in ("roles", "platforms"):
            head |= {"device_count": 0, "virtualmachine_count": 0, "_depth": 0}
        return head

    def show(self, request: Request, table: str, row: dict[str, Any]) -> Any:
        """The full form of an object in a list or detail answer."""
        shown = self.brief(request, table, row["id"])
        related = next(s[3] for s in ENDPOINTS.values() if s[0] == table)
        for key, other in related.items():
            shown[key] = self.brief(request, other, row.get(key))
        if "status" in row:
            shown["status"] = {"value": row["status"], "label": LABELS[row["status"]]}
        if table == "devices":
            shown["primary_ip"] = shown["primary_ip4"]
            shown |= dict.fromkeys(UNSET_DEVICE_FIELDS) | {
                "serial": row.get("serial", ""),
                "interface_count": self._interface_count(row["id"]),
            }
        if table == "interfaces":
            kind = row["type"]
            shown |= {
                "type": {"value": kind, "label": kind},
                "mgmt_only": row.get("mgmt_only", False),
                "enabled": row.get("enabled", True),
            }
        if table == "ips":
            shown |= self._assignment(request, row)
        shown |= {"created": NOW, "last_updated": NOW, "tags": [], "custom_fields": {}}
        shown["display_url"] = shown["url"].replace("/api/", "/", 1)
        return shown

    def _interface_count(self, device_id: int) -> int:
        return sum(i["device"] == device_id for i in self.tables["interfaces"].values())

    def _assignment(self, request: Request, ip: dict[str, Any]) -> dict[str, Any]:
        interface = self.tables["interfaces"].get(ip.get("assigned_object_id") or 0)
        assigned = None
        if interface is not None:
            assigned = {**self.show(request, "interfaces", interface)}
        return {
            "assigned_object_type": ip.get("assigned_object_type"),
            "assigned_object_id": ip.get("assigned_object_id"),
            "assigned_object": assigned,
            "dns_name": ip.get("dns_name", ""),
            "vrf": None,
        }


def _bad_choice(value: str) -> str:
    return f"Select a valid choice. {value} is not one of the available choices."
