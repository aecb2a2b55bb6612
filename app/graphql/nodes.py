"""Global object identification (the GraphQL server specification's Node).

Every entity type subclasses `Entity`: its `id` is an opaque global id (the
type name and row key, base64-encoded, as Strawberry's relay module encodes
it) and `node(id:)`/`nodes(ids:)` resolve any of them, one query per type
whatever the number of ids. The row key stays readable as `number` (integer
keys) or `uuid` where the REST surfaces need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import strawberry
from sqlalchemy import Select, select
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.relay.utils import from_base64, to_base64
from strawberry.types.base import StrawberryObjectDefinition

from app import inputs
from app.errors import InvalidError, NotFoundError
from app.graphql.context import Info
from app.graphql.permissions import holds

MAX_NODES = 1000


class Entity(relay.Node):
    """A Node that is one table row, loaded in batches.

    Subclasses set `table` (the SQLAlchemy class), `permission` (what a caller
    needs to see one; None: anyone signed in) and a `from_model` classmethod.
    The key is the `number` field and the `id` column unless `key_field` and
    `key_column` say otherwise (`uuid` for UUID-keyed rows, say).
    """

    table: ClassVar[Any]
    permission: ClassVar[str | None] = None
    key_field: ClassVar[str] = "number"
    key_column: ClassVar[str] = "id"

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(getattr(root, cls.key_field))

    @classmethod
    def parse_key(cls, raw: str) -> Any | None:
        """The row key a global id carries, or None when no row can have it."""
        return inputs.parse_id(raw)

    @classmethod
    def scope(cls, info: Info, query: Select[Any]) -> Select[Any]:
        """Narrow `query` to the rows the caller may see (default: all)."""
        return query

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        """The nodes of `node_ids` in order, None where absent or not visible."""
        raws = list(node_ids)
        principal = info.context.principal
        if principal is None or (
            cls.permission is not None and not holds(info, cls.permission)
        ):
            return [None] * len(raws)
        keys = [cls.parse_key(raw) for raw in raws]
        rows = await row_loader(info, cls).load_many([k for k in keys if k is not None])
        found = iter(rows)
        return [
            None if k is None or (row := next(found)) is None else cls.from_model(row)
            for k in keys
        ]


def type_name(node_type: type[Entity]) -> str:
    """The GraphQL name of an entity type."""
    definition: StrawberryObjectDefinition = node_type.__strawberry_definition__  # type: ignore[attr-defined]
    return definition.name


def global_id(node_type: type[Entity], key: object) -> strawberry.ID:
    """The opaque global id of the `node_type` row keyed `key`."""
    return strawberry.ID(to_base64(type_name(node_type), str(key)))


def decode(raw: object) -> tuple[str, str] | None:
    """A global id's type name and key, or None when `raw` is no global id."""
    if not isinstance(raw, str) or len(raw) > 512:
        return None
    try:
        name, key = from_base64(raw)
    except (ValueError, TypeError):
        return None
    return (name, key) if name and key else None


def key_or_none(raw: object, node_type: type[Entity]) -> Any | None:
    """The row key of a global id naming a `node_type`, or None."""
    parts = decode(raw)
    if parts is None or parts[0] != type_name(node_type):
        return None
    return node_type.parse_key(parts[1])


def key_of(raw: object, node_type: type[Entity], *, field: str) -> Any:
    """The row key of a global id naming a `node_type`; NotFoundError naming
    the input `field` when it names no such object."""
    key = key_or_none(raw, node_type)
    if key is None:
        raise NotFoundError(
            f"No {type_name(node_type)} with id '{str(raw)[:64]}'",
            details={"field": field},
        )
    return key


def keys_of(
    raws: Sequence[object], node_type: type[Entity], *, field: str
) -> list[Any]:
    """`key_of` for each of a list of global ids."""
    return [key_of(raw, node_type, field=field) for raw in raws]


def row_loader(info: Info, node_type: type[Entity]) -> DataLoader[Any, Any]:
    """This request's loader of `node_type`'s visible rows by key."""
    name = f"rows:{type_name(node_type)}"
    loaders = info.context.loaders
    if name not in loaders:
        column = getattr(node_type.table, node_type.key_column)

        async def load(keys: Sequence[Any]) -> list[Any]:
            query = node_type.scope(
                info, select(node_type.table).where(column.in_(keys))
            )
            async with info.context.db() as session:
                rows = {
                    getattr(r, node_type.key_column): r
                    for r in await session.scalars(query)
                }
            return [rows.get(k) for k in keys]

        loaders[name] = DataLoader(load_fn=load)
    return loaders[name]


def _entity_type(info: Info, name: str) -> type[Entity] | None:
    definition = info.schema.get_type_by_name(name)
    origin = getattr(definition, "origin", None)
    if isinstance(origin, type) and issubclass(origin, Entity):
        return origin
    return None


async def resolve_many(info: Info, raws: Sequence[object]) -> list[Entity | None]:
    """The nodes global ids name, in order: one batch per type."""
    if len(raws) > MAX_NODES:
        raise InvalidError(f"At most {MAX_NODES} ids at once", details={"field": "ids"})
    wanted: dict[type[Entity], list[tuple[int, str]]] = {}
    for index, raw in enumerate(raws):
        parts = decode(raw)
        node_type = _entity_type(info, parts[0]) if parts else None
        if parts and node_type:
            wanted.setdefault(node_type, []).append((index, parts[1]))
    found: list[Entity | None] = [None] * len(raws)
    for node_type, items in wanted.items():
        nodes = await node_type.resolve_nodes(info=info, node_ids=[k for _, k in items])
        for (index, _), node in zip(items, nodes, strict=True):
            found[index] = node
    return found


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id; null when absent or not visible."
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return (await resolve_many(info, [id]))[0]

    @strawberry.field(
        description="Objects by global id, in order; null where absent or not visible."
    )
    async def nodes(
        self, info: Info, ids: list[strawberry.ID]
    ) -> list[relay.Node | None]:
        return await resolve_many(info, ids)
