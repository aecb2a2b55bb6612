"""Run a workflow execution as a DAG, recording and streaming every node.

A node starts once every incoming edge is resolved and at least one was taken;
when none was taken it is skipped, which resolves its own edges as not taken.
No transaction is open while a node runs: each start and result is recorded in
its own short unit of work, fenced by the execution's lease token.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from app import secrets
from app.db import Sessionmaker, unit_of_work, utcnow
from app.settings import Settings
from app.workflows import graph, recorder
from app.workflows import repository as repo
from app.workflows.graph import GraphEdge, GraphNode
from app.workflows.models import WorkflowExecution
from app.workflows.nodes import NodeFailedError, RunContext, node_type
from app.workflows.templating import TemplateFailure, render

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_SECONDS = 3600
LEASE_MARGIN = timedelta(seconds=60)


@dataclass
class Outcome:
    """How one node ended."""

    status: str
    output: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


async def run_execution(
    db: Sessionmaker, settings: Settings, execution_id: str
) -> None:
    """Claim a pending execution and run it to the end; a no-op otherwise."""
    token = str(uuid.uuid4())
    async with unit_of_work(db) as session:
        execution = await repo.execution_by_id(session, execution_id)
        if execution is None:
            return
        timeout = _timeout(execution)
        now = utcnow()
        claimed = await repo.claim_execution(
            session, execution_id, token, now, now + timeout + LEASE_MARGIN
        )
        if claimed is None:
            return
        await recorder.emit(session, execution_id, "execution.started", {})
    dag = Dag(db, settings, claimed, token)
    try:
        async with asyncio.timeout(timeout.total_seconds()):
            await dag.run()
    except TimeoutError:
        dag.error = f"timed out after {int(timeout.total_seconds())} s"
    except recorder.LeaseLostError:
        log.warning("workflow execution %s: lease lost, stopping", execution_id)
        return
    await recorder.finish(db, claimed, token, dag.status(), dag.error, dag.variables)


def _timeout(execution: WorkflowExecution) -> timedelta:
    raw = (execution.graph.get("settings") or {}).get("timeout_seconds")
    seconds = raw if isinstance(raw, int | float) and raw > 0 else None
    return timedelta(seconds=seconds or DEFAULT_TIMEOUT_SECONDS)


class Dag:
    """The state of one run: which edges were taken, which nodes ended how."""

    def __init__(
        self, db: Sessionmaker, settings: Settings, run: WorkflowExecution, token: str
    ) -> None:
        self.db, self.settings, self.execution, self.token = db, settings, run, token
        self.nodes = {n["id"]: GraphNode(**n) for n in run.graph["nodes"]}
        self.edges = [GraphEdge(**e) for e in run.graph["edges"]]
        self.variables: dict[str, Any] = dict(run.variables)
        self.taken: dict[str, bool] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.error: str | None = None
        self.scope: dict[str, Any] = {
            "vars": self.variables,
            "variables": self.variables,
            "trigger": run.trigger_data,
            "nodes": {},
            "execution": {"id": run.id, "test_mode": run.test_mode},
            "workflow": {"id": run.workflow_id},
        }

    async def run(self) -> None:
        """Start every ready node, wait for any to end, repeat until none is left."""
        pending = set(graph.topological_order(list(self.nodes), self.edges))
        running: dict[asyncio.Task[Outcome], str] = {}
        try:
            while pending or running:
                await self._start_ready(pending, running)
                if not running:
                    break
                done, _ = await asyncio.wait(
                    running, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    self._resolve(running.pop(task), task.result())
        finally:
            for task in running:
                task.cancel()

    async def _start_ready(
        self, pending: set[str], running: dict[asyncio.Task[Outcome], str]
    ) -> None:
        progress = True
        while progress:
            progress = False
            for node_id in sorted(pending):
                state = self._readiness(node_id)
                if state == "wait":
                    continue
                pending.discard(node_id)
                progress = True
                if state == "skip":
                    await self._skip(node_id)
                else:
                    task = asyncio.create_task(self._run_node(self.nodes[node_id]))
                    running[task] = node_id

    def _readiness(self, node_id: str) -> str:
        incoming = [e for e in self.edges if e.target == node_id]
        if any(e.id not in self.taken for e in incoming):
            return "wait"
        if incoming and not any(self.taken[e.id] for e in incoming):
            return "skip"
        return "run"

    async def _skip(self, node_id: str) -> None:
        outcome = Outcome("skipped")
        now = utcnow()
        await recorder.node_result(self, self.nodes[node_id], outcome, now, now)
        self._resolve(node_id, outcome)

    def _resolve(self, node_id: str, outcome: Outcome) -> None:
        self.outcomes[node_id] = outcome
        self.scope["nodes"][node_id] = {
            "status": outcome.status,
            "output": outcome.output,
        }
        for edge in self.edges:
            if edge.source == node_id:
                self.taken[edge.id] = _follows(edge, outcome)

    async def _run_node(self, node: GraphNode) -> Outcome:
        started = utcnow()
        await recorder.node_started(self, node)
        outcome = await self._attempt(node)
        await recorder.node_result(self, node, outcome, started, utcnow())
        return outcome

    async def _attempt(self, node: GraphNode) -> Outcome:
        kind = node_type(node.type)
        if kind is None or kind.run is None:
            return Outcome("failed", error=f"node type '{node.type}' cannot run")
        ctx = RunContext(
            self.db, self.settings, self.execution.id, node.id,
            self.execution.test_mode, self.variables, self.scope,
        )  # fmt: skip
        try:
            data = secrets.reveal(graph.SECRETS, node.data)
            config = kind.config.model_validate(render(data, self.scope))
            if self.execution.test_mode and kind.touches_hosts:
                would_run = kind.would_run(config)
                return Outcome("success", {"dry_run": True, "would_run": would_run})
            return Outcome("success", await kind.run(config, ctx))
        except NodeFailedError as exc:
            return Outcome("failed", exc.output, exc.message)
        except TemplateFailure as exc:
            return Outcome("failed", error=f"invalid config: {exc}")
        except ValidationError as exc:
            return Outcome("failed", error=f"invalid config: {graph.describe(exc)}")
        except Exception as exc:
            log.exception("workflow node %s crashed", node.id)
            return Outcome("failed", error=f"node crashed: {type(exc).__name__}")

    def status(self) -> str:
        """`failed` if the run timed out or a failure had no failure/always edge."""
        if self.error is not None:
            return "failed"
        for node_id, outcome in self.outcomes.items():
            if outcome.status == "failed" and not self._handled(node_id):
                self.error = f"node '{node_id}' failed: {outcome.error}"
                return "failed"
        return "success"

    def _handled(self, node_id: str) -> bool:
        return any(
            e.source == node_id
            and graph.handle_kind(e.sourceHandle) in (graph.FAILURE, graph.ALWAYS)
            for e in self.edges
        )


def _follows(edge: GraphEdge, outcome: Outcome) -> bool:
    kind = graph.handle_kind(edge.sourceHandle)
    if outcome.status == "skipped":
        return False
    if kind == graph.ALWAYS:
        return True
    if kind == graph.FAILURE:
        return outcome.status == "failed"
    if outcome.status != "success":
        return False
    if kind in (graph.TRUE, graph.FALSE):
        return bool(outcome.output.get("result")) == (kind == graph.TRUE)
    return True


async def reconcile_expired(db: Sessionmaker, now: datetime | None = None) -> int:
    """End executions whose worker died (lease expired) as failed; how many."""
    async with db() as session:
        expired = await repo.expired_executions(session, now or utcnow())
    for execution_id in expired:
        await recorder.abandon(db, execution_id, "worker lost: lease expired")
    return len(expired)
