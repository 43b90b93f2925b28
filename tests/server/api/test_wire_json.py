"""The JSON text of API requests and answers, with and without orjson."""

from __future__ import annotations

import json

import pytest

from ftrack_server.api import wire_json

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
    assert wire_json.render(CONTENT) == wire_json.standard_render(CONTENT)
    assert json.loads(wire_json.render(CONTENT)) == CONTENT


def test_non_ascii_text_is_utf8_not_escaped():
    assert "Ödön".encode() in wire_json.render(CONTENT)


def test_values_orjson_refuses_are_rendered_by_the_standard_library():
    content = {"huge": 2**70, "keys": {1: "one"}}
    assert json.loads(wire_json.render(content)) == {"huge": 2**70, "keys": {"1": "one"}}


def test_renders_without_orjson(monkeypatch):
    monkeypatch.setattr(wire_json, "orjson", None)
    text = wire_json.render(CONTENT)
    assert text == json.dumps(CONTENT, separators=(",", ":"), ensure_ascii=False).encode()


def test_orjson_is_installed_with_the_server_extra():
    # The extra installs it; without it the server is slower, not wrong.
    assert wire_json.orjson is not None


@pytest.mark.parametrize("use_orjson", [True, False])
def test_parse_reads_what_render_writes(monkeypatch, use_orjson):
    if not use_orjson:
        monkeypatch.setattr(wire_json, "orjson", None)
    assert wire_json.parse(wire_json.render(CONTENT)) == CONTENT


def test_parse_accepts_the_non_numbers_python_clients_send():
    body = json.dumps([{"bid": float("nan"), "sort": float("inf")}]).encode()
    (values,) = wire_json.parse(body)
    assert values["bid"] != values["bid"]
    assert values["sort"] == float("inf")


@pytest.mark.parametrize("body", [b"", b"[", b"{'a': 1}", b"\xff\xfe"])
def test_parse_rejects_what_is_not_json(body):
    with pytest.raises(ValueError):
        wire_json.parse(body)
