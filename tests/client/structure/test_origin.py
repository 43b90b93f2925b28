"""Tests for ftrack_api.structure.origin."""

from __future__ import annotations

import pytest

import ftrack_api.structure.base
import ftrack_api.structure.origin
from ftrack_api.structure.origin import OriginStructure

from .test_base import FakeEntity

MISSING_MESSAGE = (
    "Could not generate resource identifier as no source resource identifier found in passed "
    "context."
)


@pytest.fixture
def component():
    return FakeEntity("FileComponent", id="c-1", file_type=".png")


def test_resource_identifier_is_the_source_one(component):
    context = {"source_resource_identifier": "/mnt/shots/sh010/plate.png"}
    assert OriginStructure().get_resource_identifier(component, context) == (
        "/mnt/shots/sh010/plate.png"
    )


def test_prefix_is_not_used(component):
    context = {"source_resource_identifier": "a/b.png"}
    assert OriginStructure(prefix="pre").get_resource_identifier(component, context) == "a/b.png"


def test_empty_source_identifier_is_kept(component):
    context = {"source_resource_identifier": ""}
    assert OriginStructure().get_resource_identifier(component, context) == ""


@pytest.mark.parametrize(
    "context", [None, {}, {"other": "value"}, {"source_resource_identifier": None}]
)
def test_missing_source_identifier_raises(component, context):
    with pytest.raises(ValueError) as info:
        OriginStructure().get_resource_identifier(component, context)
    assert str(info.value) == MISSING_MESSAGE


def test_module_exposes_structure_base():
    assert ftrack_api.structure.origin.Structure is ftrack_api.structure.base.Structure
