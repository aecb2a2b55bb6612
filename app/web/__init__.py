"""The browser faces: the console at `/`, GraphiQL, and their built assets.

Vite builds `web/` into `static/` (committed, shipped as package data), so a
browser fetches nothing from outside this server and `opsgraph serve` needs no
Node.js. Asset names carry a content hash and are cached for a year; the two
HTML pages are revalidated on every load so a new build takes effect at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

STATIC = Path(__file__).parent / "static"
ASSETS = STATIC / "assets"

# Vite writes every asset flat into assets/ as name-hash.ext: one path segment,
# no leading dot, so no request can name a file outside that directory.
_ASSET_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\.[A-Za-z0-9]+")
_MEDIA_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
_IMMUTABLE = "public, max-age=31536000, immutable"
_SANE_HOST = re.compile(
    r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)
NOT_BUILT = (
    "The web console is not built in this checkout (app/web/static is missing): "
    "run 'npm ci --prefix web && npm run build --prefix web', or use GraphQL "
    "directly with POST /graphql."
)


def routes() -> list[BaseRoute]:
    """`GET /` (the console) and `GET /ui/assets/{name}` (hashed build output)."""
    return [
        Route("/", console, methods=["GET"]),
        Route("/ui/assets/{name}", asset, methods=["GET"]),
    ]


async def console(request: Request) -> Response:
    """The console's single page; it routes in the browser."""
    return page(request, "index.html")


async def asset(request: Request) -> Response:
    """One hashed asset, cached for good; 404 for anything else."""
    name = str(request.path_params["name"])
    path = ASSETS / name
    if not _ASSET_NAME.fullmatch(name) or ".." in name or not path.is_file():
        raise HTTPException(404)
    media_type = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": _IMMUTABLE}
    )


def page(request: Request, name: str) -> Response:
    """One built HTML page with its security headers, or 503 when not built."""
    path = STATIC / name
    if not path.is_file():
        return PlainTextResponse(NOT_BUILT, 503, headers={"Cache-Control": "no-cache"})
    headers = {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": content_security_policy(request),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return FileResponse(path, media_type="text/html", headers=headers)


def content_security_policy(request: Request) -> str:
    """Same origin only: scripts, styles, fonts (inline data: URLs), and the API.

    GraphiQL's dialogs add a `<style>` element at run time (react-remove-scroll),
    hence 'unsafe-inline' for styles only; no script runs inline or from eval.
    Websockets are named explicitly because older browsers do not count ws: and
    wss: as 'self'.
    """
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if _SANE_HOST.fullmatch(host) else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self'{sockets}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
