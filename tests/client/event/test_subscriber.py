"""Tests for subscribers."""

from __future__ import annotations

import pytest

import ftrack_api.exception
from ftrack_api.event.base import Event
from ftrack_api.event.subscriber import Subscriber
from ftrack_api.event.subscription import Subscription


def callback(event):
    return event["topic"]


def test_attributes():
    metadata = {"id": "subscriber-id"}
    subscriber = Subscriber("topic=foo", callback, metadata, 50)

    assert isinstance(subscriber.subscription, Subscription)
    assert str(subscriber.subscription) == "topic=foo"
    assert subscriber.callback is callback
    assert subscriber.metadata is metadata
    assert subscriber.priority == 50


def test_str():
    subscriber = Subscriber('topic="foo bar"', callback, {"id": "1"}, 100)
    assert str(subscriber) == (
        "<Subscriber metadata={'id': '1'} subscription=\"topic=\"foo bar\"\">"
    )


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (Event("foo"), True),
        (Event("bar"), False),
        ({"topic": "foo"}, True),
        ({}, False),
        # The target is matched by the hub against metadata, not here.
        (Event("foo", target="id=someone-else"), True),
    ],
)
def test_interested_in(event, expected):
    subscriber = Subscriber("topic=foo", callback, {"id": "1"}, 100)
    assert subscriber.interested_in(event) is expected


def test_invalid_subscription_raises_parse_error():
    with pytest.raises(ftrack_api.exception.ParseError):
        Subscriber("topic foo", callback, {"id": "1"}, 100)
