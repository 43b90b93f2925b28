"""Tests for the event mapping."""

from __future__ import annotations

import collections.abc
import re

import pytest

from ftrack_api.event.base import Event

KEYS = ["id", "data", "topic", "sent", "source", "target", "in_reply_to_event"]


def test_event_is_a_mutable_mapping():
    assert isinstance(Event("topic"), collections.abc.MutableMapping)


def test_defaults():
    event = Event("my.topic")

    assert list(event) == KEYS
    assert len(event) == len(KEYS)
    assert event["topic"] == "my.topic"
    assert re.fullmatch("[0-9a-f]{32}", event["id"])
    assert event["data"] == {}
    assert event["sent"] is None
    assert event["source"] == {}
    assert event["target"] == ""
    assert event["in_reply_to_event"] is None


def test_generated_ids_differ():
    assert len({Event("topic")["id"] for _ in range(50)}) == 50


def test_generated_id_is_a_version_4_uuid():
    import uuid

    assert uuid.UUID(Event("topic")["id"]).version == 4


def test_explicit_values():
    event = Event(
        "my.topic",
        id="event-id",
        data={"a": 1},
        sent=5,
        source={"id": "hub"},
        target="id=other",
        in_reply_to_event="original-id",
    )
    assert dict(event) == {
        "id": "event-id",
        "data": {"a": 1},
        "topic": "my.topic",
        "sent": 5,
        "source": {"id": "hub"},
        "target": "id=other",
        "in_reply_to_event": "original-id",
    }


def test_data_is_not_copied():
    data = {"a": 1}
    event = Event("topic", data=data)
    assert event["data"] is data


@pytest.mark.parametrize("empty", [None, {}, [], 0, False, ""])
def test_empty_data_and_source_become_new_dictionaries(empty):
    first = Event("topic", data=empty, source=empty)
    second = Event("topic", data=empty, source=empty)
    assert first["data"] == {} and first["source"] == {}
    assert first["data"] is not second["data"]
    assert first["source"] is not first["data"]


@pytest.mark.parametrize("data", ["a reply", ["item"], 5])
def test_data_need_not_be_a_mapping(data):
    assert Event("topic", data=data)["data"] == data


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_id_gets_generated(empty):
    assert re.fullmatch("[0-9a-f]{32}", Event("topic", id=empty)["id"])


def test_other_fields_are_kept_as_given():
    event = Event("topic", sent=0, target=None, in_reply_to_event=0)
    assert event["sent"] == 0
    assert event["target"] is None
    assert event["in_reply_to_event"] == 0


def test_mapping_operations():
    event = Event("topic", id="1")

    event["extra"] = "value"
    assert event["extra"] == "value"
    assert list(event)[-1] == "extra"
    assert len(event) == len(KEYS) + 1

    del event["extra"]
    assert "extra" not in event
    assert len(event) == len(KEYS)

    event.update({"topic": "other", "data": {"b": 2}})
    assert event["topic"] == "other"
    assert event.get("data") == {"b": 2}
    assert event.get("missing", "default") == "default"

    del event["topic"]
    assert "topic" not in event
    assert list(event) == [key for key in KEYS if key != "topic"]


def test_missing_key_raises_key_error():
    event = Event("topic")
    with pytest.raises(KeyError):
        event["missing"]
    with pytest.raises(KeyError):
        del event["missing"]


def test_events_compare_as_mappings():
    assert Event("topic", id="1") == Event("topic", id="1")
    assert Event("topic", id="1") != Event("topic", id="2")
    assert Event("topic", id="1") == {
        "id": "1",
        "data": {},
        "topic": "topic",
        "sent": None,
        "source": {},
        "target": "",
        "in_reply_to_event": None,
    }


def test_topic_is_required():
    with pytest.raises(TypeError):
        Event()


def test_str():
    event = Event("my.topic", id="1", data={"a": 1})
    assert str(event) == (
        "<Event {'id': '1', 'data': {'a': 1}, 'topic': 'my.topic', 'sent': None, "
        "'source': {}, 'target': '', 'in_reply_to_event': None}>"
    )


def test_str_uses_subclass_name():
    class CustomEvent(Event):
        pass

    assert str(CustomEvent("t", id="1")).startswith("<CustomEvent {'id': '1', ")


def test_stop():
    event = Event("topic")
    assert event.is_stopped() is False

    event.stop()
    assert event.is_stopped() is True

    event.stop()
    assert event.is_stopped() is True


def test_stop_is_per_event():
    first, second = Event("topic"), Event("topic")
    first.stop()
    assert second.is_stopped() is False
