"""Tests for ftrack_api.structure.entity_id."""

from __future__ import annotations

from ftrack_api.structure.entity_id import EntityIdStructure

from .test_base import FakeEntity


def test_resource_identifier_is_the_entity_id():
    component = FakeEntity("FileComponent", id="0f3a-11", file_type=".png")
    assert EntityIdStructure().get_resource_identifier(component) == "0f3a-11"


def test_any_entity_type_and_context_are_accepted():
    user = FakeEntity("User", id="u-1")
    context = {"source_resource_identifier": "/elsewhere"}
    assert EntityIdStructure().get_resource_identifier(user, context) == "u-1"


def test_prefix_is_not_used():
    component = FakeEntity("FileComponent", id="c-1")
    assert EntityIdStructure(prefix="pre").get_resource_identifier(component) == "c-1"
