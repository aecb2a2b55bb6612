"""Where a pipeline's steps may reach, checked when the pipeline is saved.

A `regenerate_sdk` step reads and writes only inside the pipelines workspace;
a `notify` step's webhook must pass the outbound policy. Both are checked again
when the step runs (a URL's name may resolve elsewhere by then); values with a
`{{placeholder}}` are only known at run time and are checked then.
"""

from __future__ import annotations

from typing import Any

from app import outbound
from app.pipelines.errors import InvalidDefinitionError
from app.pipelines.inputs import Definition
from app.pipelines.steps.sdk import escapes, workspace_root
from app.pipelines.templating import PLACEHOLDER
from app.settings import Settings

PATHS = {"regenerate_sdk": ("spec_path", "output_dir")}
URLS = {"notify": ("slack_webhook_url", "webhook_url")}


def _literal(value: Any) -> str | None:
    if isinstance(value, str) and not PLACEHOLDER.search(value):
        return value
    return None


def check_definition(definition: Definition, settings: Settings) -> None:
    """Raise InvalidDefinitionError naming the first field that reaches too far."""
    root = workspace_root(settings)
    policy = outbound.Policy(allow_loopback=settings.allow_loopback_urls)
    for index, step in enumerate(definition.steps):
        where = f"definition.steps.{index}.config"
        for key in PATHS.get(step.step_type, ()):
            path = _literal(step.config.get(key))
            if path is not None and escapes(root, path):
                raise InvalidDefinitionError(
                    f"{where}.{key}: '{path}' must be inside the pipelines "
                    f"workspace {root} (OPSGRAPH_PIPELINES_WORKSPACE_DIR)",
                    details={"field": f"{where}.{key}"},
                )
        for key in URLS.get(step.step_type, ()):
            url = _literal(step.config.get(key))
            if url is None:
                continue
            try:
                policy.check_url(url)
            except outbound.BlockedAddressError as exc:
                raise InvalidDefinitionError(
                    f"{where}.{key}: {exc.message}", details={"field": f"{where}.{key}"}
                ) from None
