"""A template cannot make the server build a huge string, at save or at render."""

from __future__ import annotations

import tracemalloc

import pytest
from jinja2 import TemplateError

from app.notifications import templates
from app.workflows import templating
from tests.conftest import RunningApp, TokenFactory

BOMBS = [
    "{{ 'x' * 20000000 }}",
    "{{ 'x' | center(20000000) }}",
    "{{ 'x'.ljust(20000000) }}",
    "{{ 9 ** 99999999 }}",
    "{% for i in range(100000) %}{{ 'xxxxxxxxxxxxxxxxxxxx' }}{% endfor %}",
]


async def test_saving_a_string_bomb_folds_nothing(
    app: RunningApp, make_user: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {await make_user()}"}
    tracemalloc.start()
    try:
        response = await app.http.post(
            "/api/notifications/templates",
            json={"name": "bomb", "body": BOMBS[0]},
            headers=headers,
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 201, response.text
    assert peak < 5_000_000  # the folded constant alone would be 20 MB


@pytest.mark.parametrize("source", BOMBS)
def test_rendering_a_bomb_is_refused_within_bounds(source: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(TemplateError):
            templates.render(source, "text", {})
        with pytest.raises(templating.TemplateFailure):
            templating.render(f"a {source}", {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_ordinary_arithmetic_and_repetition_still_render() -> None:
    source = "{{ name }}: {{ 2 * 3 }} {{ 'ab' * 2 }} {{ 2 ** 10 }} {{ 'a' + 'b' }}"
    assert templates.render(source, "text", {"name": "n"}) == "n: 6 abab 1024 ab"
