"""Checks every GraphQL connection must pass: paging both ways over keyset
cursors, and a number of SQL statements that does not grow with the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import RunningApp
from tests.sqlcount import count_statements

PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


def _connection(body: dict[str, Any], field: str) -> dict[str, Any]:
    """The connection at `field`, a dotted path for nested ones (`node.groups`)."""
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]
    for name in field.split("."):
        found = found[name]
    return found


async def walk(
    app: RunningApp,
    token: str,
    query: str,
    field: str,
    size: int,
    variables: dict[str, Any] | None = None,
) -> list[str]:
    """Every node id of a connection, read forward `size` at a time, then
    checked against the same list read backward.

    `query` takes `$first`, `$after`, `$last` and `$before` and selects
    `edges { cursor node { id } }` and `pageInfo` of the connection `field`.
    """
    extra = variables or {}
    forward: list[str] = []
    after = None
    while True:
        body = await app.gql(query, {**extra, "first": size, "after": after}, token)
        page = _connection(body, field)
        forward += [e["node"]["id"] for e in page["edges"]]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] == (after is not None), info
        if not info["hasNextPage"]:
            break
        assert len(page["edges"]) == size
        after = info["endCursor"]
    assert len(forward) == len(set(forward)) == page["totalCount"]
    backward: list[str] = []
    before = None
    while True:
        body = await app.gql(query, {**extra, "last": size, "before": before}, token)
        page = _connection(body, field)
        backward = [e["node"]["id"] for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == forward
    return forward


async def statements_per_page(
    app: RunningApp,
    token: str,
    query: str,
    field: str,
    variables: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """How many SQL statements one page of `field` costs, and its edge count."""
    with count_statements() as seen:
        body = await app.gql(query, {"first": 100, **(variables or {})}, token)
    return len(seen), len(_connection(body, field)["edges"])


async def assert_constant_statements(
    app: RunningApp,
    token: str,
    query: str,
    field: str,
    grow: Callable[[int], Awaitable[None]],
    sizes: tuple[int, int] = (3, 40),
    variables: dict[str, Any] | None = None,
) -> None:
    """A page of `sizes[0]` rows and one of `sizes[1]` cost as many statements.

    `grow(n)` adds rows until the list holds at least `n` of them.
    """
    counts = []
    for size in sizes:
        await grow(size)
        statements, edges = await statements_per_page(
            app, token, query, field, variables
        )
        assert edges >= size
        counts.append(statements)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 8, counts
