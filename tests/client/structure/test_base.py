"""Tests for ftrack_api.structure.base, plus the entity stand-ins shared by structure tests.

Structures only use a small part of the entity interface: ``entity.entity_type``,
``entity[attribute]`` (unset attributes read as :data:`ftrack_api.symbol.NOT_SET`),
``entity.session`` and, on the session, ``get(entity_type, id)`` and ``created``.
:class:`FakeEntity` and :class:`FakeSession` provide just that, so these tests do not depend
on the session and entity model; tests against real entities live with the location tests.
"""

from __future__ import annotations

import pytest

import ftrack_api.structure.base
from ftrack_api.symbol import NOT_SET


class FakeSession:
    """Holds entities for ``get`` and the list of entities created but not yet committed."""

    def __init__(self) -> None:
        self.created: list = []
        self._entities: dict = {}

    def add(self, entity_type, **attributes):
        entity = FakeEntity(entity_type, self, **attributes)
        self._entities[(entity_type, attributes.get("id"))] = entity
        return entity

    def get(self, entity_type, entity_id):
        return self._entities.get((entity_type, entity_id))


class FakeEntity(dict):
    """An entity of *entity_type* with the given attribute values."""

    def __init__(self, entity_type, session=None, **attributes):
        super().__init__(attributes)
        self.entity_type = entity_type
        self.session = session

    def __getitem__(self, key):
        return self.get(key, NOT_SET)

    # Entities compare by identity here; attribute dicts must not make two of them equal.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{self.entity_type}({dict.get(self, 'id')})>"


class ConcreteStructure(ftrack_api.structure.base.Structure):
    def get_resource_identifier(self, entity, context=None):
        return self.prefix + entity["id"]


def test_structure_is_abstract():
    with pytest.raises(TypeError):
        ftrack_api.structure.base.Structure()


def test_structure_defaults():
    structure = ConcreteStructure()
    assert structure.prefix == ""
    assert structure.path_separator == "/"


def test_structure_keeps_prefix():
    structure = ConcreteStructure(prefix="some/prefix/")
    assert structure.prefix == "some/prefix/"
    assert structure.get_resource_identifier(FakeEntity("FileComponent", id="x")) == (
        "some/prefix/x"
    )


@pytest.mark.parametrize(
    ("padding", "expression"),
    [(4, "%04d"), (1, "%01d"), (12, "%012d"), (0, "%d"), (None, "%d"), (NOT_SET, "%d")],
)
def test_sequence_expression_uses_padding(padding, expression):
    sequence = FakeEntity("SequenceComponent", id="s", padding=padding)
    assert ConcreteStructure()._get_sequence_expression(sequence) == expression


def test_sequence_expression_accepts_any_mapping():
    assert ConcreteStructure()._get_sequence_expression({"padding": 3}) == "%03d"
