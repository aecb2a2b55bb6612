"""Subscription events rendered once for all subscribers (app.graphql.shared)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import partial
from typing import Any

import strawberry
import websockets

from app.graphql.errors import is_internal
from app.graphql.extensions import StreamMaskErrors
from app.graphql.shared import SharingExecutor, encode_message
from app.settings import Settings
from tests import gqlws
from tests.conftest import RunningApp, serve

renders: Counter[str] = Counter()


@strawberry.type
class Tick:
    n: int
    stream: strawberry.Private[str]

    @strawberry.field
    def label(self) -> str:
        renders[f"{self.stream}:{self.n}"] += 1
        return f"tick {self.n}"

    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("secret detail")

    def share_key(self) -> tuple[str, int]:
        return (self.stream, self.n)


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, stream: str, count: int = 3) -> AsyncGenerator[Tick, None]:
        for n in range(count):
            yield Tick(n=n, stream=stream)


def _schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        subscription=Subscription,
        execution_context_class=SharingExecutor,
        extensions=[partial(StreamMaskErrors, should_mask_error=is_internal)],
    )


async def _results(
    schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None
) -> list[Any]:
    source = await schema.subscribe(query, variable_values=variables)
    return [(r.data, r.errors) async for r in source]  # type: ignore[union-attr]


LABELS = "subscription($s: String!) { ticks(stream: $s) { n label } }"


class TestSharingExecutor:
    async def test_many_subscribers_render_each_event_once(self) -> None:
        schema = _schema()
        got = await asyncio.gather(
            *(_results(schema, LABELS, {"s": "once"}) for _ in range(10))
        )
        assert all(g == got[0] for g in got)
        assert [d for d, _ in got[0]] == [
            {"ticks": {"n": n, "label": f"tick {n}"}} for n in range(3)
        ]
        assert renders["once:0"] == renders["once:2"] == 1

    async def test_root_arguments_do_not_split_the_cache(self) -> None:
        schema = _schema()
        query = (
            "subscription($s: String!, $c: Int!) "
            "{ ticks(stream: $s, count: $c) { label } }"
        )
        await _results(schema, query, {"s": "args", "c": 3})
        again = await _results(schema, query, {"s": "args", "c": 2})
        assert [d for d, _ in again] == [
            {"ticks": {"label": "tick 0"}},
            {"ticks": {"label": "tick 1"}},
        ]
        assert renders["args:1"] == 1

    async def test_variables_inside_the_selection_render_apart(self) -> None:
        schema = _schema()
        query = (
            "subscription($s: String!, $l: Boolean!) "
            "{ ticks(stream: $s) { n label @include(if: $l) } }"
        )
        with_label = await _results(schema, query, {"s": "vars", "l": True})
        without = await _results(schema, query, {"s": "vars", "l": False})
        assert with_label[0][0] == {"ticks": {"n": 0, "label": "tick 0"}}
        assert without[0][0] == {"ticks": {"n": 0}}

    async def test_another_selection_renders_its_own_shape(self) -> None:
        schema = _schema()
        await _results(schema, LABELS, {"s": "shape"})
        only_n = await _results(schema, 'subscription { ticks(stream: "shape") { n } }')
        assert [d for d, _ in only_n] == [{"ticks": {"n": n}} for n in range(3)]

    async def test_errors_are_masked_for_every_subscriber_and_never_shared(
        self,
    ) -> None:
        schema = _schema()
        query = 'subscription { ticks(stream: "err", count: 1) { n boom } }'
        first, second = await asyncio.gather(
            _results(schema, query), _results(schema, query)
        )
        for data, errors in (first[0], second[0]):
            assert data is None
            assert [e.message for e in errors] == ["Unexpected error."]


class TestEncodeMessage:
    async def test_spliced_text_is_the_json_of_the_message(self) -> None:
        schema = _schema()
        source = await schema.subscribe(LABELS, variable_values={"s": "wire"})
        result = await source.__anext__()  # type: ignore[union-attr]
        message = {"id": "7", "type": "next", "payload": {"data": result.data}}
        text = encode_message(message)
        assert text is not None
        assert json.loads(text) == json.loads(json.dumps(message))

    def test_other_messages_are_left_to_strawberry(self) -> None:
        plain = {"id": "1", "type": "next", "payload": {"data": {"x": 1}}}
        assert encode_message(plain) is None
        assert encode_message({"type": "connection_ack"}) is None


@dataclass
class _Offer:
    extensions: str | None


async def _negotiated(app: RunningApp) -> _Offer:
    async with websockets.connect(
        app.ws_url,
        subprotocols=[gqlws.TRANSPORT_WS],  # type: ignore[list-item]
    ) as ws:
        assert ws.response is not None
        return _Offer(ws.response.headers.get("Sec-WebSocket-Extensions"))


class TestWebsocketCompression:
    async def test_off_by_default_though_the_client_offers_it(
        self, app: RunningApp
    ) -> None:
        assert (await _negotiated(app)).extensions is None

    async def test_the_setting_turns_it_on(self, app: RunningApp) -> None:
        settings: Settings = app.settings.model_copy(
            update={"websocket_compression": True}
        )
        async with serve(settings) as compressed:
            offer = await _negotiated(compressed)
        assert offer.extensions is not None
        assert offer.extensions.startswith("permessage-deflate")
