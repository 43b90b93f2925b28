"""Tests for ftrack_api.structure.standard."""

from __future__ import annotations

import pytest

import ftrack_api.exception
from ftrack_api.structure.standard import StandardStructure
from ftrack_api.symbol import NOT_SET

from .test_base import FakeEntity, FakeSession


def build_version(session, contexts=("sq 01", "sh010"), asset="Geometry", number=3):
    """Return a committed version of *asset* below the project and *contexts*.

    Its ``link`` runs from the project to the version, as the server returns it.
    """
    project = session.add("Project", id="project-1", name="My Project")
    link = [{"id": "project-1", "name": "My Project", "type": "Project"}]
    link += [
        {"id": f"context-{index}", "name": name, "type": "TypedContext"}
        for index, name in enumerate(contexts)
    ]
    link.append({"id": "version-1", "name": f"{asset} v{number}", "type": "AssetVersion"})
    asset_entity = session.add("Asset", id="asset-1", name=asset, parent=project)
    return session.add(
        "AssetVersion", id="version-1", version=number, asset=asset_entity, link=link
    )


@pytest.fixture
def session():
    return FakeSession()


@pytest.fixture
def version(session):
    return build_version(session)


def component(session, entity_type, on_version=None, **attributes):
    """Return a component of *entity_type*, attached to *on_version* when given."""
    attributes.setdefault("id", f"{entity_type}-1")
    attributes.setdefault("container", None)
    if on_version is not None:
        attributes.update(version=on_version, version_id=on_version["id"])
    return FakeEntity(entity_type, session, **attributes)


def test_defaults():
    structure = StandardStructure()
    assert structure.project_versions_prefix is None
    assert structure.illegal_character_substitute == "_"
    assert structure.prefix == ""
    assert structure.path_separator == "/"


def test_file_component(session, version):
    file_component = component(session, "FileComponent", version, name="Main", file_type=".abc")
    assert StandardStructure().get_resource_identifier(file_component) == (
        "my_project/sq_01/sh010/geometry/v003/main.abc"
    )


def test_file_component_without_file_type(session, version):
    for file_type in ("", None):
        file_component = component(
            session, "FileComponent", version, name="Main", file_type=file_type
        )
        assert StandardStructure().get_resource_identifier(file_component) == (
            "my_project/sq_01/sh010/geometry/v003/main"
        )


def test_file_name_and_file_type_are_sanitised(session, version):
    file_component = component(
        session, "FileComponent", version, name="Main Comp", file_type=".E X/R"
    )
    assert StandardStructure().get_resource_identifier(file_component) == (
        "my_project/sq_01/sh010/geometry/v003/main_comp.e_x_r"
    )


def test_sequence_component(session, version):
    sequence = component(
        session, "SequenceComponent", version, name="Ren Der", padding=4, file_type=".EXR"
    )
    assert StandardStructure().get_resource_identifier(sequence) == (
        "my_project/sq_01/sh010/geometry/v003/ren_der.%04d.exr"
    )


def test_sequence_component_without_padding_or_file_type(session, version):
    sequence = component(
        session, "SequenceComponent", version, name="render", padding=0, file_type=None
    )
    assert StandardStructure().get_resource_identifier(sequence) == (
        "my_project/sq_01/sh010/geometry/v003/render.%d"
    )


def test_member_of_sequence_uses_the_sequence_version(session, version):
    sequence = component(
        session, "SequenceComponent", version, name="render", padding=4, file_type=".exr"
    )
    member = component(
        session,
        "FileComponent",
        name="1001",
        file_type=".exr",
        container=sequence,
        version=NOT_SET,
        version_id=None,
    )
    assert StandardStructure().get_resource_identifier(member) == (
        "my_project/sq_01/sh010/geometry/v003/render.1001.exr"
    )


def test_container_component(session, version):
    container = component(session, "ContainerComponent", version, name="Bundle")
    assert StandardStructure().get_resource_identifier(container) == (
        "my_project/sq_01/sh010/geometry/v003/bundle"
    )


def test_member_of_container_sits_inside_it(session, version):
    container = component(session, "ContainerComponent", version, name="Bundle")
    member = component(
        session, "FileComponent", name="A File", file_type=".txt", container=container
    )
    assert StandardStructure().get_resource_identifier(member) == (
        "my_project/sq_01/sh010/geometry/v003/bundle/a_file.txt"
    )


def test_member_of_member_nests(session, version):
    container = component(session, "ContainerComponent", version, name="bundle")
    outer = component(session, "FileComponent", name="outer", file_type=".d", container=container)
    inner = component(session, "FileComponent", name="inner", file_type=".f", container=outer)
    assert StandardStructure().get_resource_identifier(inner) == (
        "my_project/sq_01/sh010/geometry/v003/bundle/outer.d/inner.f"
    )


def test_version_is_fetched_by_id_when_not_loaded(session, version):
    file_component = component(
        session,
        "FileComponent",
        name="main",
        file_type=".abc",
        version=NOT_SET,
        version_id=version["id"],
    )
    assert StandardStructure().get_resource_identifier(file_component) == (
        "my_project/sq_01/sh010/geometry/v003/main.abc"
    )


def test_project_name_comes_from_the_project_entity(session, version):
    session.get("Project", "project-1")["name"] = "renamed"
    file_component = component(session, "FileComponent", version, name="main", file_type=".x")
    assert StandardStructure().get_resource_identifier(file_component) == (
        "renamed/sq_01/sh010/geometry/v003/main.x"
    )


def test_versions_directly_on_project(session):
    version = build_version(session, contexts=())
    file_component = component(session, "FileComponent", version, name="main", file_type=".x")
    assert StandardStructure().get_resource_identifier(file_component) == (
        "my_project/geometry/v003/main.x"
    )


def test_project_versions_prefix_applies_only_without_contexts(session):
    structure = StandardStructure(project_versions_prefix="Project Versions")

    on_project = build_version(session, contexts=())
    file_component = component(session, "FileComponent", on_project, name="main", file_type=".x")
    assert structure.get_resource_identifier(file_component) == (
        "my_project/project_versions/geometry/v003/main.x"
    )

    other_session = FakeSession()
    in_shot = build_version(other_session, contexts=("sh010",))
    file_component = component(
        other_session, "FileComponent", in_shot, name="main", file_type=".x"
    )
    assert structure.get_resource_identifier(file_component) == (
        "my_project/sh010/geometry/v003/main.x"
    )


def test_prefix_attribute_is_not_used(session, version):
    structure = StandardStructure()
    structure.prefix = "ignored"
    file_component = component(session, "FileComponent", version, name="main", file_type=".x")
    assert structure.get_resource_identifier(file_component) == (
        "my_project/sq_01/sh010/geometry/v003/main.x"
    )


def test_get_parts(session, version):
    file_component = component(session, "FileComponent", version, name="main", file_type=".x")
    assert StandardStructure()._get_parts(file_component) == [
        "my_project",
        "sq_01",
        "sh010",
        "geometry",
        "v003",
    ]


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "v000"), (3, "v003"), (12, "v012"), (999, "v999"), (1000, "v1000")],
)
def test_format_version(number, expected):
    assert StandardStructure()._format_version(number) == expected


# Errors ------------------------------------------------------------------------------------


def structure_error_message(entity):
    return (
        f"Component {entity!r} must be attached to a committed version and a committed asset "
        "with a parent context."
    )


@pytest.mark.parametrize(
    "attributes",
    [
        {"version": NOT_SET, "version_id": None},
        {"version": NOT_SET, "version_id": NOT_SET},
        {"version": None, "version_id": None},
    ],
)
def test_component_without_version_raises(session, attributes):
    file_component = component(session, "FileComponent", name="main", file_type=".x", **attributes)
    with pytest.raises(ftrack_api.exception.StructureError) as info:
        StandardStructure().get_resource_identifier(file_component)
    assert str(info.value) == structure_error_message(file_component)


def test_uncommitted_version_raises(session, version):
    session.created.append(version)
    file_component = component(session, "FileComponent", version, name="main", file_type=".x")
    with pytest.raises(ftrack_api.exception.StructureError) as info:
        StandardStructure().get_resource_identifier(file_component)
    assert str(info.value) == structure_error_message(file_component)


@pytest.mark.parametrize("link", [[], None])
def test_version_without_link_raises(session, version, link):
    version["link"] = link
    file_component = component(session, "FileComponent", version, name="main", file_type=".x")
    with pytest.raises(ftrack_api.exception.StructureError):
        StandardStructure().get_resource_identifier(file_component)


def test_sequence_inside_container_needs_its_own_version(session, version):
    container = component(session, "ContainerComponent", version, name="bundle")
    sequence = component(
        session,
        "SequenceComponent",
        name="render",
        padding=2,
        file_type=".exr",
        container=container,
        version=NOT_SET,
        version_id=None,
    )
    with pytest.raises(ftrack_api.exception.StructureError):
        StandardStructure().get_resource_identifier(sequence)


@pytest.mark.parametrize("entity_type", ["Component", "User"])
def test_unsupported_entity_raises(session, version, entity_type):
    entity = component(session, entity_type, version, name="x", file_type=".x")
    with pytest.raises(NotImplementedError) as info:
        StandardStructure().get_resource_identifier(entity)
    assert str(info.value) == (
        f"Cannot generate resource identifier for unsupported entity {entity!r}"
    )


# sanitise_for_filesystem -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "abc"),
        ("ABC", "abc"),
        ("a b", "a_b"),
        ("a  b", "a__b"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("a:b*c?d", "a_b_c_d"),
        ("(x)[y]{z}", "_x__y__z_"),
        ("a%b", "a_b"),
        ("it's", "it_s"),
        (" lead", "_lead"),
        ("a\tb\nc", "a_b_c"),
        ("a.b", "a.b"),
        ("..", ".."),
        (".hidden", ".hidden"),
        ("a-b_c", "a-b_c"),
        ("123", "123"),
        ("", ""),
        ("é", "e"),
        ("naïve café", "naive_cafe"),
        ("ñandú", "nandu"),
        ("ﬁ", "fi"),
        ("İ", "i"),
        ("日本語", ""),
        ("ß", ""),
        ("💥", ""),
        (None, "none"),
        (5, "5"),
        (3.5, "3.5"),
    ],
)
def test_sanitise_for_filesystem(value, expected):
    assert StandardStructure().sanitise_for_filesystem(value) == expected


def test_sanitise_uses_the_substitute_before_lower_casing():
    assert StandardStructure(illegal_character_substitute="-").sanitise_for_filesystem(
        "a b/C"
    ) == ("a-b-c")
    assert StandardStructure(illegal_character_substitute="XY").sanitise_for_filesystem("a b") == (
        "axyb"
    )
    assert StandardStructure(illegal_character_substitute="").sanitise_for_filesystem("a b/c") == (
        "abc"
    )


@pytest.mark.parametrize("substitute", ["\\", "\\1", "\\g<0>"])
def test_sanitise_substitute_is_literal(substitute):
    structure = StandardStructure(illegal_character_substitute=substitute)
    assert structure.sanitise_for_filesystem("a b") == f"a{substitute}b".lower()


def test_sanitise_disabled_with_none_substitute(session, version):
    structure = StandardStructure(illegal_character_substitute=None)
    assert structure.sanitise_for_filesystem("A b/C é") == "A b/C é"

    file_component = component(session, "FileComponent", version, name="Main", file_type=".EXR")
    assert structure.get_resource_identifier(file_component) == (
        "My Project/sq 01/sh010/Geometry/v003/Main.EXR"
    )
