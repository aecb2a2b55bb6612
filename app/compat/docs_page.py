"""The `/docs` page: every REST surface's operations, rendered on the server.

Plain HTML with inline CSS, so it works on a network that reaches nothing but
the API; the machine-readable documents are linked from it.
"""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}
code{font-size:13px}.m{font-weight:bold;width:5rem}
"""


def render(documents: dict[str, dict[str, Any]]) -> str:
    """The page listing `documents` (surface name -> OpenAPI document)."""
    sections = "".join(_section(name, doc) for name, doc in documents.items())
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>OpsGraph REST API</title><style>{_STYLE}</style></head><body>"
        "<h1>OpsGraph REST API</h1><p>One OpenAPI 3.1 document per surface. "
        "The GraphQL API, its schema and GraphiQL are at <a href=/graphql>"
        f"/graphql</a>.</p>{sections}</body></html>"
    )


def _section(name: str, doc: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td class=m>{escape(method.upper())}</td><td><code>{escape(path)}"
        f"</code></td><td>{escape(op.get('summary', ''))}</td>"
        f"<td>{escape(op.get('description', 'No authentication'))}</td></tr>"
        for path, item in doc["paths"].items()
        for method, op in item.items()
    )
    link = f"/openapi/{escape(name)}.json"
    return (
        f"<h2>{escape(doc['info']['title'])}</h2>"
        f"<p><a href={link}>{link}</a></p><table>{rows}</table>"
    )
