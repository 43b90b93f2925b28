"""Tests for ftrack_api.inspection.

The entity model is replaced by a minimal stand-in exposing only what the
inspection functions use: ``entity_type``, ``primary_key_attributes``,
``entity[name]`` and ``session.recorded_operations``.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest

import ftrack_api.inspection as inspection
from ftrack_api.operation import (
    CreateEntityOperation,
    DeleteEntityOperation,
    Operation,
    Operations,
    UpdateEntityOperation,
)
from ftrack_api.symbol import CREATED, DELETED, MODIFIED, NOT_SET


class CountingOperations(Operations):
    """Operations that count how often they are iterated."""

    def __init__(self):
        super().__init__()
        self.iterations = 0

    def __iter__(self):
        self.iterations += 1
        return super().__iter__()


class FakeSession:
    def __init__(self):
        self.recorded_operations = CountingOperations()


class FakeEntity:
    def __init__(self, session, entity_type="Task", key_names=("id",), **values):
        self.session = session
        self.entity_type = entity_type
        self.primary_key_attributes = list(key_names)
        self._values = values

    def __getitem__(self, name):
        return self._values.get(name, NOT_SET)

    def __repr__(self):
        # Like real entities, the repr shows the primary key.
        return f"<{self.entity_type}({list(inspection.primary_key(self).values())})>"


@pytest.fixture
def session():
    return FakeSession()


def test_primary_key_is_ordered_text(session):
    entity = FakeEntity(session, "Metadata", ("parent_id", "key"), key="k", parent_id=5)
    key = inspection.primary_key(entity)
    assert isinstance(key, OrderedDict)
    assert list(key.items()) == [("parent_id", "5"), ("key", "k")]


def test_primary_key_renders_none_and_unicode(session):
    assert inspection.primary_key(FakeEntity(session, id=None)) == {"id": "None"}
    assert inspection.primary_key(FakeEntity(session, id="é")) == {"id": "é"}


def test_primary_key_of_entity_without_key_attributes_is_empty(session):
    entity = FakeEntity(session, key_names=())
    assert inspection.primary_key(entity) == OrderedDict()
    assert inspection.identity(entity) == ("Task", [])


def test_missing_primary_key_value_raises_key_error(session):
    entity = FakeEntity(session)
    with pytest.raises(KeyError) as caught:
        inspection.primary_key(entity)
    message = caught.value.args[0]
    assert message.startswith('Missing required value for primary key attribute "id" on entity')
    # The entity's repr needs the missing key itself: no infinite recursion.
    assert "<Task (no primary key)>" in message


def test_missing_key_message_uses_the_entity_repr_when_it_works(session):
    class Described(FakeEntity):
        def __repr__(self):
            return "<described>"

    with pytest.raises(KeyError, match="on entity <described>"):
        inspection.primary_key(Described(session))


def test_identity(session):
    entity = FakeEntity(session, "Shot", ("id",), id=12)
    assert inspection.identity(entity) == ("Shot", ["12"])


def _push(session, entity, letters):
    key = inspection.primary_key(entity)
    for letter in letters:
        if letter == "C":
            operation = CreateEntityOperation(entity.entity_type, key, {})
        elif letter == "U":
            operation = UpdateEntityOperation(entity.entity_type, key, "name", "a", "b")
        else:
            operation = DeleteEntityOperation(entity.entity_type, key)
        session.recorded_operations.push(operation)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ("", NOT_SET),
        ("C", CREATED),
        ("U", MODIFIED),
        ("D", DELETED),
        ("CU", CREATED),
        ("CUU", CREATED),
        ("UC", MODIFIED),
        ("UU", MODIFIED),
        ("CD", DELETED),
        ("CUD", DELETED),
        ("DC", DELETED),
        ("DU", DELETED),
        ("UDC", DELETED),
    ],
)
def test_state_follows_recorded_operations(session, history, expected):
    entity = FakeEntity(session, id="1")
    _push(session, entity, history)
    assert inspection.state(entity) is expected
    assert inspection.states([entity]) == [expected]


def test_state_ignores_operations_on_other_entities(session):
    entity = FakeEntity(session, id="1")
    _push(session, FakeEntity(session, id="2"), "D")
    _push(session, FakeEntity(session, "Shot", id="1"), "D")
    session.recorded_operations.push(Operation())
    assert inspection.state(entity) is NOT_SET


def test_states_are_aligned_with_the_entities(session):
    created = FakeEntity(session, id="c")
    untouched = FakeEntity(session, id="u")
    deleted = FakeEntity(session, id="d")
    _push(session, created, "CU")
    _push(session, deleted, "UD")

    assert inspection.states([untouched, created, deleted]) == [NOT_SET, CREATED, DELETED]
    assert inspection.states([deleted, created, untouched, created]) == [
        DELETED,
        CREATED,
        NOT_SET,
        CREATED,
    ]
    assert inspection.states(iter([created])) == [CREATED]
    assert inspection.states([]) == []


def test_states_reads_each_session_once(session):
    entities = [FakeEntity(session, id=str(number)) for number in range(50)]
    for entity in entities[::2]:
        _push(session, entity, "C")
    session.recorded_operations.iterations = 0

    result = inspection.states(entities)

    assert result == [CREATED if number % 2 == 0 else NOT_SET for number in range(50)]
    assert session.recorded_operations.iterations == 1


def test_states_uses_each_entity_own_session():
    first, second = FakeSession(), FakeSession()
    in_first = FakeEntity(first, id="1")
    in_second = FakeEntity(second, id="1")
    _push(first, in_first, "C")
    _push(second, in_second, "D")
    assert inspection.states([in_first, in_second]) == [CREATED, DELETED]
