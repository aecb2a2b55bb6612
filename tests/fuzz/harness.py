"""Property-based fuzzing of every REST operation and GraphQL field (schemathesis).

The REST operations come from the published `/openapi/<surface>.json` documents,
the GraphQL fields from the schema itself; hypothesis generates the inputs,
schemathesis sends them to a real server and checks each answer. A test runs
this in a thread while the server runs on the test's event loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import graphql
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.specs.openapi import checks as openapi_checks

# Cases per operation and role (issue #21 asks for at least 100 in CI);
# `bench/fuzz.py` and OPSGRAPH_FUZZ_EXAMPLES run deeper.
EXAMPLES = int(os.environ.get("OPSGRAPH_FUZZ_EXAMPLES", "100"))
MASKED = "Unexpected error."

# Calls that end the fuzzing user's own session or rights; the rest of the
# surface can do anything to the data it generates.
SELF_ENDING = (
    "logout",
    "change_password",
    "delete_user",
    "update_user",
    "update_role",
    "delete_role",
)


@dataclass
class Findings:
    """What went wrong, per operation: at most one example each."""

    operations: int = 0
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, error: BaseException) -> None:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        self.failures.setdefault(name, " | ".join(lines[1:8] or lines)[:600])

    def report(self) -> str:
        """One line per failing operation, for the assertion message."""
        return "\n".join(
            f"{name}: {why}" for name, why in sorted(self.failures.items())
        )


def graphql_failure(response: Any) -> None:
    """A GraphQL answer carries no masked crash (the server logged a traceback)."""
    try:
        body = response.json()
    except ValueError:  # a body the server could not parse: a plain-text 400
        if response.status_code == 400:
            return
        raise
    for error in body.get("errors") or ():
        if error.get("message") == MASKED:
            raise AssertionError(f"server error: {error}")


def session(token: str) -> requests.Session:
    """A keep-alive HTTP session sending `token`; no proxy or netrc lookups
    (requests otherwise reads the environment and ~/.netrc on every call)."""
    http = requests.Session()
    http.trust_env = False
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def fuzz(
    operations: Iterable[Any],
    call: Callable[[Any], Any],
    validate: Callable[[Any, Any], None],
    skip: Callable[[str], bool] = lambda _: False,
) -> Findings:
    """Send `EXAMPLES` generated cases to each operation; collect what failed."""
    found = Findings()
    for result in operations:
        operation = result.ok()
        name = operation.label
        if skip(name):
            continue
        found.operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            found.cases += 1
            validate(case, call(case))

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # hypothesis re-raises failures
            found.add(name, exc)
    return found


def rest_operations(document: dict[str, Any]) -> Iterable[Any]:
    """The operations of one OpenAPI document."""
    return schemathesis.openapi.from_dict(document).get_all_operations()


def rest_validate(case: Any, response: Any) -> None:
    """No crash (500), only declared status codes (a deliberate 503 is one),
    and error bodies in the surface's shape."""
    if response.status_code == 500:
        raise AssertionError(f"server error: {response.text[:300]}")
    case.validate_response(
        response,
        checks=[
            openapi_checks.status_code_conformance,
            openapi_checks.response_schema_conformance,
        ],
    )


def graphql_operations(introspection: dict[str, Any], root: str) -> Iterable[Any]:
    """Every field of the schema's `root` type ("Query", "Mutation"), one
    operation each."""
    schema = schemathesis.graphql.from_dict(introspection)
    return (
        result
        for result in schema.get_all_operations()
        if result.ok().label.startswith(f"{root}.")
    )


def graphql_validate(case: Any, response: Any) -> None:
    """No 5xx and no masked crash in the GraphQL answer (a domain error is fine)."""
    if response.status_code >= 500:
        raise AssertionError(f"server error: {response.text[:300]}")
    graphql_failure(response)


def _value_node(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal (for the `JSON` scalar)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(_value_node(v) for v in value))
    fields = tuple(
        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_value_node(v))
        for k, v in value.items()
    )
    return graphql.ObjectValueNode(fields=fields)


_NAMES = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,10}", fullmatch=True)


def _json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A named function: hypothesis cannot read a lambda split over lines and
    # warns (deprecation, an error here) that it does not recurse.
    return st.lists(inner, max_size=4) | st.dictionaries(_NAMES, inner, max_size=4)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    _json_containers,
    max_leaves=10,
)
schemathesis.graphql.scalar("JSON", _JSON_VALUES.map(_value_node))


def self_ending(label: str) -> bool:
    """True for the calls that would end the fuzzing user's own session."""
    return any(word in label.replace(" ", "_").lower() for word in SELF_ENDING)
