"""Tests for ftrack_api.structure.id."""

from __future__ import annotations

import pytest

from ftrack_api.structure.id import IdStructure
from ftrack_api.symbol import NOT_SET

from .test_base import FakeEntity

FILE_ID = "abcdef12-3456-7890-abcd-ef1234567890"
SEQUENCE_ID = "11223344-5566-7788-99aa-bbccddeeff00"
CONTAINER_ID = "c0c0c0c0-1111-2222-3333-444455556666"


def file_component(file_type=".png", container=None, **attributes):
    attributes.setdefault("id", FILE_ID)
    attributes.setdefault("name", "main")
    return FakeEntity("FileComponent", file_type=file_type, container=container, **attributes)


def sequence_component(padding=4, file_type=".exr"):
    return FakeEntity(
        "SequenceComponent", id=SEQUENCE_ID, name="render", padding=padding, file_type=file_type
    )


def container_component():
    return FakeEntity("ContainerComponent", id=CONTAINER_ID, name="bundle")


def test_file_component():
    assert IdStructure().get_resource_identifier(file_component()) == (
        "a/b/c/d/ef12-3456-7890-abcd-ef1234567890.png"
    )


@pytest.mark.parametrize("file_type", ["", None, NOT_SET])
def test_file_component_without_file_type(file_type):
    assert IdStructure().get_resource_identifier(file_component(file_type=file_type)) == (
        "a/b/c/d/ef12-3456-7890-abcd-ef1234567890"
    )


def test_file_component_with_unset_container():
    component = FakeEntity("FileComponent", id=FILE_ID, file_type=".png")
    assert IdStructure().get_resource_identifier(component) == (
        "a/b/c/d/ef12-3456-7890-abcd-ef1234567890.png"
    )


def test_context_does_not_change_the_identifier():
    context = {"source_resource_identifier": "/elsewhere/x.png"}
    assert IdStructure().get_resource_identifier(file_component(), context) == (
        "a/b/c/d/ef12-3456-7890-abcd-ef1234567890.png"
    )


def test_sequence_component():
    assert IdStructure().get_resource_identifier(sequence_component()) == (
        "1/1/2/2/3344-5566-7788-99aa-bbccddeeff00/file.%04d.exr"
    )


def test_sequence_component_without_padding_or_file_type():
    sequence = sequence_component(padding=0, file_type=None)
    assert IdStructure().get_resource_identifier(sequence) == (
        "1/1/2/2/3344-5566-7788-99aa-bbccddeeff00/file.%d"
    )


def test_member_of_sequence_sits_in_the_sequence_directory():
    member = file_component(
        id="m-1", name="1001", file_type=".exr", container=sequence_component()
    )
    assert IdStructure().get_resource_identifier(member) == (
        "1/1/2/2/3344-5566-7788-99aa-bbccddeeff00/file.1001.exr"
    )


def test_container_component():
    assert IdStructure().get_resource_identifier(container_component()) == (
        "c/0/c/0/c0c0-1111-2222-3333-444455556666"
    )


def test_member_of_container_is_named_by_its_id():
    member = file_component(id="ddeeff00-2222", file_type=".txt", container=container_component())
    assert IdStructure().get_resource_identifier(member) == (
        "c/0/c/0/c0c0-1111-2222-3333-444455556666/ddeeff00-2222.txt"
    )


def test_member_of_member_nests_identifiers():
    outer = file_component(id="ddeeff00-2222", file_type=".txt", container=container_component())
    inner = file_component(id="ddeeff00-3333", file_type=".txt", container=outer)
    assert IdStructure().get_resource_identifier(inner) == (
        "c/0/c/0/c0c0-1111-2222-3333-444455556666/ddeeff00-2222.txt/ddeeff00-3333.txt"
    )


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("pre/fix", "pre/fix/a/b/c/d/ef12-3456-7890-abcd-ef1234567890.png"),
        ("/absolute/root", "absolute/root/a/b/c/d/ef12-3456-7890-abcd-ef1234567890.png"),
    ],
)
def test_prefix_is_prepended_without_leading_separator(prefix, expected):
    assert IdStructure(prefix=prefix).get_resource_identifier(file_component()) == expected


def test_prefix_applies_to_sequences_and_members():
    structure = IdStructure(prefix="store")
    sequence = sequence_component()
    member = file_component(id="m-1", name="7", file_type=".exr", container=sequence)
    assert structure.get_resource_identifier(sequence) == (
        "store/1/1/2/2/3344-5566-7788-99aa-bbccddeeff00/file.%04d.exr"
    )
    assert structure.get_resource_identifier(member) == (
        "store/1/1/2/2/3344-5566-7788-99aa-bbccddeeff00/file.7.exr"
    )


@pytest.mark.parametrize(
    ("entity_id", "expected"),
    [("a", "a/.x"), ("ab", "a/b/.x"), ("abcd", "a/b/c/d/.x"), ("abcde", "a/b/c/d/e.x")],
)
def test_short_ids_use_one_level_per_character(entity_id, expected):
    component = file_component(id=entity_id, file_type=".x")
    assert IdStructure().get_resource_identifier(component) == expected


@pytest.mark.parametrize("entity_type", ["Component", "User", "AssetVersion"])
def test_unsupported_entity_raises(entity_type):
    entity = FakeEntity(entity_type, id="abc")
    with pytest.raises(NotImplementedError) as info:
        IdStructure().get_resource_identifier(entity)
    assert str(info.value) == f"Cannot generate path for unsupported entity <{entity_type}(abc)>"
