"""The subscribers of bench/streams.py: one process, N websockets, then analysis.

Each subscriber records when every message arrived; afterwards the lines are
matched to the time they were printed (their stamp) and to the time they were
stored (the event's createdAt), and counted for loss and duplication.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psutil
import websockets

QUERY = """subscription($id: ID!) {
  executionEvents(executionId: $id, afterSeq: 0) { seq type createdAt data }
}"""


@dataclass
class Received:
    """One subscriber's messages: (arrival time, raw text)."""

    messages: list[tuple[float, str]] = field(default_factory=list)


async def _subscriber(
    base: str, mode: str, token: str, execution: str, ready: asyncio.Event
) -> Received:
    got = Received()
    if mode == "graphql":
        ws = await websockets.connect(
            f"{base}/graphql", subprotocols=["graphql-transport-ws"], max_size=None
        )
        auth = {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": QUERY, "variables": {"id": execution}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    else:
        ws = await websockets.connect(f"{base}/bench/bare", max_size=None)
        await ws.send(json.dumps({"execution": execution, "after": 0}))
    async with ws:
        async for raw in ws:
            now = time.time()
            text = raw if isinstance(raw, str) else raw.decode()
            if not got.messages:
                ready.set()
            if mode == "graphql" and text.startswith('{"id":"1","type":"complete"'):
                break
            got.messages.append((now, text))
            if mode == "bare" and '"final":true' in text[-200:]:
                break
    return got


def run_clients(
    base: str,
    mode: str,
    token: str,
    execution: str,
    count: int,
    ready: Any,
    out: multiprocessing.Queue,
) -> None:
    async def main() -> list[Received]:
        flags = [asyncio.Event() for _ in range(count)]
        tasks = [
            asyncio.create_task(_subscriber(base, mode, token, execution, f))
            for f in flags
        ]
        for flag in flags:
            await flag.wait()
        ready.set()
        return list(await asyncio.gather(*tasks))

    received = asyncio.run(main())
    usage = psutil.Process(os.getpid()).cpu_times()
    cpu = usage.user + usage.system
    out.put({"cpu": cpu, **_analyse(mode, received)})


def _event(mode: str, text: str) -> dict[str, Any]:
    msg = json.loads(text)
    if mode == "graphql":
        assert msg["type"] == "next", msg
        assert not msg["payload"].get("errors"), msg
        found: dict[str, Any] = msg["payload"]["data"]["executionEvents"]
        return found
    return dict(msg)


def _analyse(mode: str, received: list[Received]) -> dict[str, Any]:
    """Lost/duplicated lines, latency and delivery span over all subscribers."""
    stamps: dict[int, list[tuple[float, int]]] = {}  # seq -> [(stamp, lines)]
    indices: dict[int, list[int]] = {}
    texts: dict[int, str] = {}
    mismatched = 0
    samples: list[tuple[float, int]] = []
    stored: list[tuple[float, int]] = []  # stored_at - stamp, once per line
    kept, duplicated, last_arrival = [], [], 0.0
    for sub in received:
        seqs: Counter[int] = Counter()
        for arrived, text in sub.messages:
            event = _event(mode, text)
            seq = event["seq"]
            seqs[seq] += 1
            if seq not in texts:
                texts[seq] = text
                stamps[seq], indices[seq] = _lines(event)
                at = _stored_at(event)
                stored.extend((at - stamp, n) for stamp, n in stamps[seq])
            elif texts[seq] != text:
                mismatched += 1
            samples.extend((arrived - stamp, n) for stamp, n in stamps[seq])
            if indices[seq]:
                last_arrival = max(last_arrival, arrived)
        kept.append(sum(len(indices[s]) for s in seqs))
        duplicated.append(sum(len(indices[s]) * (c - 1) for s, c in seqs.items()))
    every = [i for s in sorted(indices) for i in indices[s]]
    total = len(set(every))
    assert len(every) == total, "two events carry the same line"
    first = min((st for v in stamps.values() for st, _ in v), default=0.0)
    return {
        "lines": total,
        "lost": [total - k for k in kept],
        "duplicated": duplicated,
        "mismatched": mismatched,
        "p50": _percentile(samples, 0.50),
        "p99": _percentile(samples, 0.99),
        "max": _percentile(samples, 1.0),
        "stored_p50": _percentile(stored, 0.50),
        "stored_p99": _percentile(stored, 0.99),
        "first_stamp": first,
        "last_arrival": last_arrival,
    }


def _lines(event: dict[str, Any]) -> tuple[list[tuple[float, int]], list[int]]:
    if event["type"] != "output":
        return [], []
    groups: Counter[float] = Counter()
    found = []
    for line in event["data"]["lines"]:
        index, stamp = line.split()
        found.append(int(index))
        groups[float(stamp)] += 1
    return sorted(groups.items()), found


def _stored_at(event: dict[str, Any]) -> float:
    raw = event.get("createdAt") or event["created_at"]
    return datetime.fromisoformat(raw).timestamp()


def _percentile(samples: list[tuple[float, int]], q: float) -> float:
    ordered = sorted(samples)
    total = sum(n for _, n in ordered)
    want, seen = q * total, 0
    for value, n in ordered:
        seen += n
        if seen >= want:
            return value
    return float("nan")
