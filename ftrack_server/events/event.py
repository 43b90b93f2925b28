"""The event object on the wire (protocol.md 7.6) and the meta topics' payloads (7.7).

The Python client drops any event with a top-level key it does not know, so the
server forwards exactly seven keys, with the reply link spelt ``inReplyToEvent``.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, Tuple

#: The keys of a forwarded event, in wire spelling.
EVENT_KEYS = ("id", "topic", "data", "source", "target", "sent", "inReplyToEvent")

SUBSCRIBE_TOPIC = "ftrack.meta.subscribe"
UNSUBSCRIBE_TOPIC = "ftrack.meta.unsubscribe"

Event = Dict[str, Any]


class EventError(ValueError):
    """An event (or meta payload) a client sent that cannot be used."""


def normalise(raw: Any) -> Event:
    """Return the event to forward: the seven keys, defaults filled in, extras dropped."""
    if not isinstance(raw, dict):
        raise EventError("An event must be a JSON object.")
    topic = raw.get("topic")
    if not isinstance(topic, str) or not topic:
        raise EventError("An event needs a non-empty text topic.")
    target = raw.get("target") or ""
    if not isinstance(target, str):
        raise EventError("An event target must be text.")
    reply_to = raw.get("inReplyToEvent", raw.get("in_reply_to_event"))
    data = raw.get("data")
    source = raw.get("source")
    return {
        "id": raw.get("id") or uuid.uuid4().hex,
        "topic": topic,
        "data": {} if data is None else data,
        "source": source if isinstance(source, dict) else {},
        "target": target,
        "sent": raw.get("sent"),
        "inReplyToEvent": reply_to,
    }


def subscription_candidate(event: Event) -> Event:
    """What subscriptions are matched against: the event as the Python client sees it.

    The client knows the reply link as ``in_reply_to_event``; both spellings match.
    """
    candidate = dict(event)
    candidate["in_reply_to_event"] = event["inReplyToEvent"]
    return candidate


def subscribe_request(event: Event) -> Tuple[Dict[str, Any], str]:
    """Return (subscriber metadata, subscription text) of an ``ftrack.meta.subscribe``."""
    data = event["data"]
    subscriber = data.get("subscriber") if isinstance(data, dict) else None
    subscription = data.get("subscription") if isinstance(data, dict) else None
    if not isinstance(subscriber, dict) or not _has_id(subscriber):
        raise EventError("A subscribe request needs data.subscriber with an id.")
    if not isinstance(subscription, str):
        raise EventError("A subscribe request needs a text data.subscription.")
    return subscriber, subscription


def unsubscribe_request(event: Event) -> str:
    """Return the subscriber id an ``ftrack.meta.unsubscribe`` removes."""
    data = event["data"]
    subscriber = data.get("subscriber") if isinstance(data, dict) else None
    if not isinstance(subscriber, dict) or not _has_id(subscriber):
        raise EventError("An unsubscribe request needs data.subscriber with an id.")
    return str(subscriber["id"])


def _has_id(subscriber: Dict[str, Any]) -> bool:
    return isinstance(subscriber.get("id"), (str, int)) and subscriber["id"] != ""
