"""The JSON text of API answers, with and without orjson."""

from __future__ import annotations

import json

from ftrack_server.api import rendering

CONTENT = [
    {
        "action": "create",
        "data": {
            "__entity_type__": "Task",
            "id": "2f0752e1-c323-4154-a7c6-bb3d0d7562f7",
            "name": "Plan für Ödön — 日本",
            "sort": 0.0,
            "bid": 1.5e16,
            "priority": -3,
            "is_open": True,
            "description": None,
            "metadata": [],
            "created_at": {"__type__": "datetime", "value": "2026-11-28T17:52:15"},
            "quote": 'say "hi"\n\tand \\ leave',
        },
    },
    {"action": "query", "data": [], "metadata": {"next": {"offset": None}}},
]


def test_renders_the_standard_librarys_compact_text():
    assert rendering.render(CONTENT) == rendering.standard_render(CONTENT)
    assert json.loads(rendering.render(CONTENT)) == CONTENT


def test_non_ascii_text_is_utf8_not_escaped():
    assert "Ödön".encode() in rendering.render(CONTENT)


def test_values_orjson_refuses_are_rendered_by_the_standard_library():
    content = {"huge": 2**70, "keys": {1: "one"}}
    assert json.loads(rendering.render(content)) == {"huge": 2**70, "keys": {"1": "one"}}


def test_renders_without_orjson(monkeypatch):
    monkeypatch.setattr(rendering, "orjson", None)
    text = rendering.render(CONTENT)
    assert text == json.dumps(CONTENT, separators=(",", ":"), ensure_ascii=False).encode()


def test_orjson_is_installed_with_the_server_extra():
    # The extra installs it; without it the server is slower, not wrong.
    assert rendering.orjson is not None
