"""`create_pr`: a branch, the files and a pull request through the GitHub REST API.

The API base URL is `OPSGRAPH_PIPELINES_GIT_API_URL` (default
https://api.github.com; a GitHub Enterprise or Gitea-compatible server works the
same way) and the token `OPSGRAPH_PIPELINES_GIT_TOKEN`. Every call goes through
the outbound policy. The calls: read the base branch's head, create the head
branch from it, write (or delete) each file on the head branch, open the PR.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from app import outbound
from app.pipelines.errors import StepFailedError
from app.pipelines.inputs import CreatePrConfig, PrFile
from app.pipelines.steps.base import Context

SECONDS = 15.0


NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def repo_of(repository: str) -> str:
    """`owner/name` of `https://github.com/owner/name(.git)` or `owner/name`."""
    path = urlsplit(repository).path if "://" in repository else repository
    parts = [p for p in path.strip("/").removesuffix(".git").split("/") if p]
    if len(parts) < 2 or not all(_name(p) for p in parts[-2:]):
        raise StepFailedError(f"repository '{repository}' is not owner/name")
    return f"{parts[-2]}/{parts[-1]}"


def _name(part: str) -> bool:
    return bool(NAME.match(part)) and part not in (".", "..")


def checked_path(raw: str, what: str) -> str:
    """A branch or file path whose segments cannot climb the API URL."""
    parts = raw.strip("/").split("/")
    if not raw.strip("/") or any(p in ("", ".", "..") for p in parts):
        raise StepFailedError(f"{what} '{raw}' is not a valid path")
    return quote("/".join(parts))


class GitApi:
    """The few GitHub REST calls a pull request needs."""

    def __init__(self, context: Context, repo: str) -> None:
        settings = context.settings
        self.base = settings.pipelines_git_api_url.rstrip("/") + f"/repos/{repo}"
        self.policy = outbound.Policy(allow_loopback=settings.allow_loopback_urls)
        self.headers = {
            "Accept": "application/vnd.github+json",
            "Content-Type": "application/json",
            "User-Agent": "OpsGraph-pipelines",
        }
        token = settings.pipelines_git_token
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token.get_secret_value()}"

    async def call(
        self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200,)
    ) -> tuple[int, Any]:
        content = None if body is None else json.dumps(body).encode()
        reply = await outbound.fetch(
            self.policy,
            method,
            self.base + path,
            headers=self.headers,
            content=content,
            seconds=SECONDS,
        )
        if reply.status_code not in ok:
            raise StepFailedError(f"{method} {path}: HTTP {reply.status_code}")
        try:
            return reply.status_code, json.loads(reply.body) if reply.body else None
        except ValueError as exc:
            raise StepFailedError(f"{method} {path}: answer is not JSON") from exc


async def _write(api: GitApi, file: PrFile, branch: str, title: str) -> str:
    path = "/contents/" + checked_path(file.path, "file path")
    query = f"?ref={quote(branch, safe='')}"
    status, found = await api.call("GET", path + query, ok=(200, 404))
    sha = found.get("sha") if status == 200 and isinstance(found, dict) else None
    body: dict[str, Any] = {"message": title, "branch": branch}
    if sha:
        body["sha"] = sha
    if file.operation == "delete":
        if not sha:
            raise StepFailedError(f"cannot delete {file.path}: not in the repository")
        await api.call("DELETE", path, body)
        return "deleted"
    body["content"] = base64.b64encode(file.content.encode()).decode()
    await api.call("PUT", path, body, ok=(200, 201))
    return "updated" if sha else "created"


async def run(config: CreatePrConfig, context: Context) -> dict[str, Any]:
    """Open the pull request; returns its number and URL."""
    repo = repo_of(config.repository)
    api = GitApi(context, repo)
    head = config.head_branch or f"opsgraph/pipeline-{context.execution_id.hex[:12]}"
    base = checked_path(config.branch, "branch")
    checked_path(head, "head_branch")
    _, ref = await api.call("GET", f"/git/ref/heads/{base}")
    sha = (ref or {}).get("object", {}).get("sha")
    if not sha:
        raise StepFailedError(f"base branch '{config.branch}' has no commit")
    await api.call(
        "POST", "/git/refs", {"ref": f"refs/heads/{head}", "sha": sha}, ok=(201,)
    )
    written = {f.path: await _write(api, f, head, config.title) for f in config.files}
    request = {"title": config.title, "body": config.body}
    request.update(head=head, base=config.branch)
    _, pr = await api.call("POST", "/pulls", request, ok=(201,))
    return {
        "repository": repo,
        "pr_number": (pr or {}).get("number"),
        "pr_url": (pr or {}).get("html_url"),
        "head_branch": head,
        "base_branch": config.branch,
        "files": written,
        "status": "success",
    }
