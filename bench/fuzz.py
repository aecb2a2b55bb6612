"""The deep fuzzing run: every REST operation and GraphQL field, many cases each.

The test suite runs `OPSGRAPH_FUZZ_EXAMPLES` (default 100) cases per operation;
this command runs more against a freshly started embedded `opsgraph serve`
(SQLite, its own temp data dir) as an admin and as a viewer, and prints cases,
failures (one example each) and the rate. Run from the repository root:

    python -m bench.fuzz --examples 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from graphql import get_introspection_query

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fuzz-bench-admin-password"
LOGIN = (
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p)"
    " { ... on LoginSuccess { accessToken } ... on Error { message } } }"
)
CREATE = (
    "mutation($u: String!, $p: String!) { createUser(input: {username: $u,"
    ' password: $p, roles: ["viewer"]}) { __typename } }'
)


def _serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPSGRAPH_DATA_DIR": str(data),
        "OPSGRAPH_ADMIN_PASSWORD": PASSWORD,
        "OPSGRAPH_RATE_LIMIT_AUTH": "100000/minute",
        "OPSGRAPH_RATE_LIMIT_DEFAULT": "1000000/minute",
        "OPSGRAPH_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603


def _token(base: str, username: str, password: str) -> str:
    for _ in range(300):
        try:
            body = httpx.post(
                f"{base}/graphql",
                json={"query": LOGIN, "variables": {"u": username, "p": password}},
            ).json()
            return str(body["data"]["login"]["accessToken"])
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("opsgraph serve did not start")


def _run(base: str, token: str, role: str) -> None:
    from tests.fuzz import harness  # after OPSGRAPH_FUZZ_EXAMPLES is set

    http = harness.session(token)
    started = time.monotonic()
    total = harness.Findings()
    for name in ("opmas", "mockops", "opsconductor", "ansible-hub", "birun"):
        document = http.get(f"{base}/openapi/{name}.json").json()
        found = harness.fuzz(
            harness.rest_operations(document),
            lambda case: case.call(base_url=base, session=http, timeout=30),
            harness.rest_validate,
            harness.self_ending,
        )
        total.cases += found.cases
        total.failures.update(found.failures)
    introspection = http.post(
        f"{base}/graphql", json={"query": get_introspection_query()}
    ).json()["data"]
    for root in ("Query", "Mutation"):
        found = harness.fuzz(
            harness.graphql_operations(introspection, root),
            lambda case: case.call(
                base_url=f"{base}/graphql", session=http, timeout=30
            ),
            harness.graphql_validate,
            harness.self_ending,
        )
        total.cases += found.cases
        total.failures.update(found.failures)
    elapsed = time.monotonic() - started
    print(
        f"{role}: {total.cases} cases in {elapsed:.0f} s "
        f"({total.cases / elapsed:.0f}/s), {len(total.failures)} failing operations"
    )
    if total.failures:
        print(total.report())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=1000, help="cases per operation"
    )
    args = parser.parse_args()
    os.environ["OPSGRAPH_FUZZ_EXAMPLES"] = str(args.examples)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        server = _serve(Path(data), port)
        try:
            admin = _token(base, "admin", PASSWORD)
            httpx.post(
                f"{base}/graphql",
                json={"query": CREATE, "variables": {"u": "viewer", "p": PASSWORD}},
                headers={"Authorization": f"Bearer {admin}"},
            )
            _run(base, admin, "admin")
            _run(base, _token(base, "viewer", PASSWORD), "viewer")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
