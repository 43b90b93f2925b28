"""Tests for subscriptions."""

from __future__ import annotations

import pytest

import ftrack_api.exception
from ftrack_api.event.base import Event
from ftrack_api.event.expression import Parser
from ftrack_api.event.subscription import Subscription


def test_parser_is_shared():
    assert isinstance(Subscription.parser, Parser)
    assert Subscription("topic=a").parser is Subscription("topic=b").parser


def test_str_is_the_original_text():
    assert str(Subscription('topic = "foo bar"')) == 'topic = "foo bar"'


@pytest.mark.parametrize(
    ("subscription", "event", "expected"),
    [
        ("topic=foo", Event("foo"), True),
        ("topic=foo", Event("bar"), False),
        ("topic=foo", {"topic": "foo"}, True),
        ("topic=foo", {}, False),
        ("topic=ftrack.* and data.id=1", Event("ftrack.update", data={"id": "1"}), True),
        ("topic=ftrack.* and data.id=1", Event("ftrack.update", data={"id": "2"}), False),
        ("not source.user.username=jane", Event("x", source={"user": {"username": "j"}}), True),
    ],
)
def test_includes(subscription, event, expected):
    assert Subscription(subscription).includes(event) is expected


def test_invalid_subscription_raises_parse_error():
    with pytest.raises(ftrack_api.exception.ParseError) as info:
        Subscription("topic=")
    assert "Failed to parse: topic=." in info.value.message


def test_subscriptions_with_the_same_text_share_the_parsed_expression():
    first = Subscription("topic=shared.expression")
    second = Subscription("topic=shared.expression")
    assert first._expression is second._expression
    assert first._subscription == "topic=shared.expression"
