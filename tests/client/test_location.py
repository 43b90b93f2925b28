"""Tests for ftrack_api.entity.location and the session's component and location methods.

They run against the local server (the ``ftrack_session`` fixture): registrations are
real ComponentLocation rows, files are real files under ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

import ftrack_api
import ftrack_api.accessor.disk
import ftrack_api.accessor.server
import ftrack_api.data
import ftrack_api.entity.location
import ftrack_api.exception
import ftrack_api.structure.entity_id
import ftrack_api.structure.id
import ftrack_api.structure.origin
import ftrack_api.structure.standard
import ftrack_api.symbol
from ftrack_api.accessor.disk import DiskAccessor
from ftrack_api.resource_identifier_transformer.base import ResourceIdentifierTransformer
from ftrack_api.structure.id import IdStructure
from ftrack_api.symbol import (
    NOT_SET,
    ORIGIN_LOCATION_ID,
    REVIEW_LOCATION_ID,
    SERVER_LOCATION_ID,
    UNMANAGED_LOCATION_ID,
)


@pytest.fixture
def session(ftrack_session):
    return ftrack_session


def write(path, content: bytes = b"frame data") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return str(path)


def read_bytes(path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def disk_location(session, prefix, priority=None, structure=None, commit=True):
    """A new location storing data under ``prefix`` (ids as paths by default)."""
    location = session.create("Location", {"name": f"test.disk.{uuid.uuid4().hex}"})
    location.accessor = DiskAccessor(prefix=str(prefix))
    location.structure = structure or IdStructure()
    if priority is not None:
        location.priority = priority
    if commit:
        session.commit()
    return location


def builtin(session, location_id):
    return session.get("Location", location_id)


def sequence_files(directory, frames=(1, 2, 3, 5)):
    for frame in frames:
        write(directory / f"beauty.{frame:04d}.exr", f"frame {frame}".encode())
    return str(directory / "beauty.%04d.exr") + " [{}]".format(
        ", ".join(str(frame) for frame in frames)
    )


# Built-in locations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location_id", "name", "class_name", "priority", "accessor", "structure"),
    [
        (
            ORIGIN_LOCATION_ID,
            "ftrack.origin",
            "OriginLocation",
            100,
            DiskAccessor,
            ftrack_api.structure.origin.OriginStructure,
        ),
        (
            UNMANAGED_LOCATION_ID,
            "ftrack.unmanaged",
            "UnmanagedLocation",
            90,
            DiskAccessor,
            ftrack_api.structure.origin.OriginStructure,
        ),
        (
            REVIEW_LOCATION_ID,
            "ftrack.review",
            "UnmanagedLocation",
            110,
            DiskAccessor,
            ftrack_api.structure.origin.OriginStructure,
        ),
        (
            SERVER_LOCATION_ID,
            "ftrack.server",
            "ServerLocation",
            150,
            ftrack_api.accessor.server._ServerAccessor,
            ftrack_api.structure.entity_id.EntityIdStructure,
        ),
    ],
)
def test_builtin_locations_are_configured(
    session, location_id, name, class_name, priority, accessor, structure
):
    location = builtin(session, location_id)
    assert type(location).__name__ == class_name
    assert location["name"] == name
    assert location.priority == priority
    assert type(location.accessor) is accessor
    assert type(location.structure) is structure
    assert str(location) == f'<{class_name}("{name}", {location_id})>'


def test_builtin_location_mixins_take_precedence(session):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    mro = type(origin).__mro__
    assert mro.index(ftrack_api.entity.location.OriginLocationMixin) < mro.index(
        ftrack_api.entity.location.Location
    )
    assert isinstance(origin, ftrack_api.entity.location.MemoryLocationMixin)
    assert isinstance(origin, ftrack_api.entity.location.UnmanagedLocationMixin)


def test_mixin_classes_use_the_entity_metaclass():
    for mixin in (
        ftrack_api.entity.location.MemoryLocationMixin,
        ftrack_api.entity.location.UnmanagedLocationMixin,
        ftrack_api.entity.location.OriginLocationMixin,
        ftrack_api.entity.location.ServerLocationMixin,
    ):
        assert type(mixin) is ftrack_api.entity.base.DynamicEntityTypeMetaclass


def test_new_location_defaults_and_str(session):
    location = session.create("Location", {"name": "studio.new"})
    assert location.priority == 95
    assert location.accessor is NOT_SET
    assert location.structure is NOT_SET
    assert location.resource_identifier_transformer is NOT_SET
    assert str(location) == f'<Location("studio.new", {location["id"]})>'


def test_location_loaded_by_query_has_defaults(session):
    location = session.create("Location", {"name": f"test.query.{uuid.uuid4().hex}"})
    session.commit()
    session.reset()
    loaded = session.query(f"Location where id is {location['id']}").one()
    assert loaded.priority == 95
    assert loaded.accessor is NOT_SET
    assert str(loaded) == f"<Location({location['id']})>"


def test_reset_configures_builtin_locations_again(session):
    session.get("Location", SERVER_LOCATION_ID).priority = 1
    session.reset()
    server = session.get("Location", SERVER_LOCATION_ID)
    assert type(server).__name__ == "ServerLocation"
    assert server.priority == 150


def test_configure_location_event_lets_plugins_configure(session, tmp_path):
    created = []

    def configure(event):
        location = event["data"]["session"].create(
            "Location", {"id": str(uuid.UUID(int=7)), "name": "studio.plugin"}, reconstructing=True
        )
        location.accessor = DiskAccessor(prefix=str(tmp_path))
        location.structure = IdStructure()
        location.priority = 5
        created.append(location)

    session.event_hub.subscribe("topic=ftrack.api.session.configure-location", configure)
    session.reset()
    assert created and created[0].priority == 5
    assert session.get("Location", str(uuid.UUID(int=7))) is created[0]


# Creating components ---------------------------------------------------------------------


def test_create_file_component_without_location(session, tmp_path):
    path = write(tmp_path / "plate.mov", b"x" * 1234)
    component = session.create_component(path, location=None)
    assert component.entity_type == "FileComponent"
    assert component["name"] == "main"
    assert component["file_type"] == ".mov"
    assert component["size"] == 1234
    origin = builtin(session, ORIGIN_LOCATION_ID)
    assert origin.get_resource_identifier(component) == path
    session.commit()
    assert set(component.get_availability().values()) == {0.0}


def test_create_component_data_overrides_defaults(session, tmp_path):
    path = write(tmp_path / "archive.tar.gz")
    component_id = str(uuid.uuid4())
    data = {"id": component_id, "name": "backup", "file_type": ".tgz", "size": 7}
    component = session.create_component(path, data=data, location=None)
    assert component["id"] == component_id
    assert (component["name"], component["file_type"], component["size"]) == ("backup", ".tgz", 7)
    assert data == {"id": component_id, "name": "backup", "file_type": ".tgz", "size": 7}


def test_file_type_is_the_last_extension(session, tmp_path):
    component = session.create_component(write(tmp_path / "a.tar.gz"), location=None)
    assert component["file_type"] == ".gz"


def test_file_type_can_come_from_a_plugin(session, tmp_path):
    session.event_hub.subscribe(
        "topic=ftrack.api.session.get-file-type-from-string",
        lambda event: ".tar.gz" if event["data"]["file_path"].endswith(".tar.gz") else None,
    )
    component = session.create_component(write(tmp_path / "a.tar.gz"), location=None)
    assert component["file_type"] == ".tar.gz"


def test_create_component_auto_uses_the_preferred_location(session, tmp_path):
    path = write(tmp_path / "plate.dpx")
    component = session.create_component(path)
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    assert unmanaged.get_resource_identifier(component) == path
    availability = component.get_availability()
    assert availability[UNMANAGED_LOCATION_ID] == 100.0
    assert availability[SERVER_LOCATION_ID] == 0.0


def test_create_component_auto_follows_priorities(session, tmp_path):
    location = disk_location(session, tmp_path / "store", priority=10)
    component = session.create_component(write(tmp_path / "plate.dpx", b"pixels"))
    stored = location.get_filesystem_path(component)
    assert stored.startswith(str(tmp_path / "store"))
    with open(stored, "rb") as data:
        assert data.read() == b"pixels"


def test_create_component_in_given_location(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt", b"abc"), location=location)
    assert location.get_component_availability(component) == 100.0
    assert builtin(session, UNMANAGED_LOCATION_ID).get_component_availability(component) == 0.0


def test_filesystem_size(session, tmp_path):
    assert session._get_filesystem_size(write(tmp_path / "f", b"12345")) == 5
    assert session._get_filesystem_size(str(tmp_path / "missing")) == 0
    assert session._get_filesystem_size(str(tmp_path)) == os.path.getsize(str(tmp_path))


def test_create_sequence_component(session, tmp_path):
    path = sequence_files(tmp_path / "render")
    container = session.create_component(path, data={"name": "beauty"}, location=None)
    assert container.entity_type == "SequenceComponent"
    assert container["name"] == "beauty"
    assert container["padding"] == 4
    assert container["file_type"] == ".exr"
    members = list(container["members"])
    assert [member["name"] for member in members] == ["0001", "0002", "0003", "0005"]
    assert all(member["container"] is container for member in members)
    assert [member["size"] for member in members] == [len(f"frame {n}") for n in (1, 2, 3, 5)]
    assert container["size"] == sum(member["size"] for member in members)
    origin = builtin(session, ORIGIN_LOCATION_ID)
    assert origin.get_resource_identifier(container) == str(tmp_path / "render/beauty.%04d.exr")
    assert origin.get_resource_identifiers(members) == [
        str(tmp_path / f"render/beauty.{n:04d}.exr") for n in (1, 2, 3, 5)
    ]


def test_sequence_without_padding_names_members_by_frame(session, tmp_path):
    for frame in (9, 10):
        write(tmp_path / f"shot.{frame}.jpg")
    container = session.create_component(str(tmp_path / "shot.%d.jpg [9-10]"), location=None)
    assert container["padding"] == 0
    assert [member["name"] for member in container["members"]] == ["9", "10"]


def test_container_component_from_directory(session, tmp_path):
    directory = tmp_path / "folder"
    directory.mkdir()
    component = session.create_component(
        str(directory), data={"system_type": "container"}, location=None
    )
    assert component["system_type"] == "container"
    assert component["file_type"] == ""
    assert component["size"] == os.path.getsize(str(directory))


# Adding and removing data ---------------------------------------------------------------


def test_add_component_copies_data_to_disk_location(session, tmp_path):
    content = os.urandom(3000)
    component = session.create_component(write(tmp_path / "src.bin", content), location=None)
    location = disk_location(session, tmp_path / "store")
    location.add_component(component, builtin(session, ORIGIN_LOCATION_ID))

    resource_identifier = location.get_resource_identifier(component)
    assert resource_identifier == location.structure.get_resource_identifier(component)
    path = location.get_filesystem_path(component)
    assert path == os.path.join(str(tmp_path / "store"), resource_identifier)
    with open(path, "rb") as data:
        assert data.read() == content
    assert location.get_component_availabilities([component]) == [100.0]


def test_add_component_twice_raises_component_in_location(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    with pytest.raises(ftrack_api.exception.ComponentInLocationError) as caught:
        location.add_component(component, builtin(session, ORIGIN_LOCATION_ID))
    assert caught.value.details["components"] == [component]
    assert str(component) in str(caught.value)


def test_add_components_with_one_source_per_component(session, tmp_path):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    components = [
        session.create_component(write(tmp_path / f"{name}.txt", name.encode()), location=None)
        for name in ("a", "b")
    ]
    location = disk_location(session, tmp_path / "store")
    location.add_components(components, [origin, origin])
    paths = location.get_filesystem_paths(components)
    assert [read_bytes(path) for path in paths] == [b"a", b"b"]


def test_add_components_rejects_mismatched_sources(session, tmp_path):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    component = session.create_component(write(tmp_path / "a.txt"), location=None)
    location = disk_location(session, tmp_path / "store")
    with pytest.raises(ValueError, match="sources must be either a single source"):
        location.add_components([component], [origin, origin])


def test_add_components_with_nothing_does_nothing(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    assert location.add_components([], builtin(session, ORIGIN_LOCATION_ID)) is None


def test_add_component_needs_a_structure(session, tmp_path):
    location = session.create("Location", {"name": "no.structure"})
    component = session.create_component(write(tmp_path / "a.txt"), location=None)
    with pytest.raises(ftrack_api.exception.LocationError) as caught:
        location.add_component(component, builtin(session, ORIGIN_LOCATION_ID))
    assert str(caught.value) == f"No structure defined for location {location}."


def test_add_component_needs_accessors(session, tmp_path):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    component = session.create_component(write(tmp_path / "a.txt"), location=None)
    location = disk_location(session, tmp_path / "store", commit=False)
    location.accessor = NOT_SET
    with pytest.raises(ftrack_api.exception.LocationError) as caught:
        location.add_component(component, origin)
    assert str(caught.value) == (
        f"Failed to transfer component {component} data to location {location} due to error:\n"
        f"    No accessor defined for target location {location}.\n"
        "    Transferred component data that may require cleanup: []"
    )

    source = session.create("Location", {"name": "no.accessor"})
    location.accessor = DiskAccessor(prefix=str(tmp_path / "store"))
    with pytest.raises(ftrack_api.exception.LocationError, match="No accessor defined for source"):
        location.add_component(component, source)


def test_add_component_never_overwrites_data(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt", b"new"), location=None)
    existing = location.accessor.get_filesystem_path(
        location.structure.get_resource_identifier(component)
    )
    write(type(tmp_path)(existing), b"precious")
    with pytest.raises(ftrack_api.exception.LocationError, match="data already exists"):
        location.add_component(component, builtin(session, ORIGIN_LOCATION_ID))
    with open(existing, "rb") as data:
        assert data.read() == b"precious"


def test_failed_registration_lists_transferred_data(session, tmp_path):
    # A location the server does not know: the ComponentLocation is refused.
    location = session.create(
        "Location", {"id": str(uuid.uuid4()), "name": "ghost"}, reconstructing=True
    )
    location.accessor = DiskAccessor(prefix=str(tmp_path / "store"))
    location.structure = IdStructure()
    component = session.create_component(write(tmp_path / "a.txt"), location=None)
    session.commit()
    with pytest.raises(ftrack_api.exception.LocationError) as caught:
        location.add_component(component, builtin(session, ORIGIN_LOCATION_ID))
    session.rollback()
    message = str(caught.value)
    assert message.startswith(f"Failed to register components with location {location}")
    resource_identifier = location.structure.get_resource_identifier(component)
    assert f"cleanup: [({component!r}, {resource_identifier!r})]" in message
    assert caught.value.details["transferred"] == [(component, resource_identifier)]
    assert os.path.exists(location.accessor.get_filesystem_path(resource_identifier))


def test_data_is_copied_in_chunks(session, tmp_path, monkeypatch):
    monkeypatch.setattr(ftrack_api.symbol, "CHUNK_SIZE", 1000)
    reads = []

    class RecordingFile(ftrack_api.data.File):
        def read(self, limit=None):
            reads.append(limit)
            return super().read(limit)

    class RecordingAccessor(DiskAccessor):
        def open(self, resource_identifier, mode="rb"):
            return RecordingFile(self.get_filesystem_path(resource_identifier), mode)

    source = disk_location(session, tmp_path / "source")
    source.accessor = RecordingAccessor(prefix=str(tmp_path / "source"))
    content = os.urandom(10_500)
    component = session.create_component(write(tmp_path / "big.bin", content), location=source)
    reads.clear()
    target = disk_location(session, tmp_path / "target")
    target.add_component(component, source)
    assert reads == [1000] * 11 + [1000]  # 11 chunks, then the empty read that ends the copy
    with open(target.get_filesystem_path(component), "rb") as data:
        assert data.read() == content


def test_remove_component_deletes_data_and_registration(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    path = location.get_filesystem_path(component)
    location.remove_component(component)
    assert not os.path.exists(path)
    assert location.get_component_availability(component) == 0.0
    with pytest.raises(ftrack_api.exception.ComponentNotInLocationError):
        location.remove_component(component)


def test_remove_component_keeps_registration_when_data_removal_fails(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    os.remove(location.get_filesystem_path(component))
    with pytest.raises(ftrack_api.exception.AccessorResourceNotFoundError):
        location.remove_component(component)
    assert location.get_component_availability(component) == 100.0


def test_unmanaged_location_never_touches_data(session, tmp_path):
    path = write(tmp_path / "a.txt", b"keep")
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    component = session.create_component(path, location=unmanaged)
    unmanaged.remove_component(component)
    with open(path, "rb") as data:
        assert data.read() == b"keep"
    assert unmanaged.get_component_availability(component) == 0.0


def test_sequence_in_disk_location(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    container = session.create_component(sequence_files(tmp_path / "render"), location=location)
    members = sorted(container["members"], key=lambda member: member["name"])
    container_identifier = location.get_resource_identifier(container)
    assert container_identifier.endswith("/file.%04d.exr")
    for member, frame in zip(members, (1, 2, 3, 5)):
        with open(location.get_filesystem_path(member), "rb") as data:
            assert data.read() == f"frame {frame}".encode()
    assert location.get_component_availability(container) == 100.0

    location.remove_component(members[0])
    assert location.get_component_availability(container) == 75.0
    assert session.pick_location(container) is location

    location.add_component(members[0], builtin(session, ORIGIN_LOCATION_ID))
    assert location.get_component_availability(container) == 100.0
    paths = location.get_filesystem_paths(members)
    location.remove_component(container)
    assert not any(os.path.exists(path) for path in paths)
    assert location.get_component_availability(container) == 0.0


def test_non_recursive_sequence_removal_keeps_members(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    container = session.create_component(sequence_files(tmp_path / "render"), location=location)
    location.remove_component(container, recursive=False)
    with pytest.raises(ftrack_api.exception.ComponentNotInLocationError):
        location.get_resource_identifier(container)
    assert location.get_component_availability(container) == 100.0  # members still here


def test_container_component_recursion(session, tmp_path):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    container = session.create("ContainerComponent", {"name": "bundle"})
    members = [
        session.create(
            "FileComponent", {"name": name, "file_type": ".txt", "container": container}
        )
        for name in ("a", "b")
    ]
    container["members"] = members
    origin.add_component(container, str(tmp_path / "bundle"), recursive=False)
    for member in members:
        origin.add_component(member, write(tmp_path / "bundle" / f"{member['name']}.txt"))

    location = disk_location(session, tmp_path / "store")
    location.add_component(container, origin)
    directory = location.get_filesystem_path(container)
    assert sorted(os.listdir(directory)) == sorted(f"{m['id']}.txt" for m in members)
    assert location.get_component_availability(container) == 100.0

    location.remove_component(container)
    assert not os.path.exists(directory)
    assert location.get_component_availability(container) == 0.0


# Resource identifiers and transformers --------------------------------------------------


class PrefixTransformer(ResourceIdentifierTransformer):
    def encode(self, resource_identifier, context=None):
        return "stored:" + resource_identifier

    def decode(self, resource_identifier, context=None):
        assert context["component"]["id"]
        return resource_identifier[len("stored:") :]


def test_resource_identifier_transformer(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    location.resource_identifier_transformer = PrefixTransformer(session)
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    expected = location.structure.get_resource_identifier(component)
    stored = session.query(
        "select resource_identifier from ComponentLocation where component_id is "
        f"{component['id']} and location_id is {location['id']}"
    ).one()
    assert stored["resource_identifier"] == "stored:" + expected
    assert location.get_resource_identifier(component) == expected
    assert location._get_resource_identifiers([component]) == ["stored:" + expected]


def test_get_resource_identifiers_names_missing_components(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    present = session.create_component(write(tmp_path / "a.txt"), location=location)
    missing = session.create_component(write(tmp_path / "b.txt"), location=None)
    session.commit()
    with pytest.raises(ftrack_api.exception.ComponentNotInLocationError) as caught:
        location.get_resource_identifiers([present, missing])
    assert caught.value.details["components"] == [missing]


def test_get_url_depends_on_the_accessor(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    with pytest.raises(ftrack_api.exception.AccessorUnsupportedOperationError):
        location.get_url(component)


# Memory locations ------------------------------------------------------------------------


def test_memory_location_registers_in_the_object(session, tmp_path):
    location = disk_location(session, tmp_path / "store")
    ftrack_api.mixin(location, ftrack_api.entity.location.MemoryLocationMixin, "MemoryDisk")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    resource_identifier = location.structure.get_resource_identifier(component)
    assert location._cache == {component["id"]: resource_identifier}
    assert location.get_resource_identifiers([component]) == [resource_identifier]
    assert not session.query(f"ComponentLocation where location_id is {location['id']}").all()

    location.remove_component(component)
    assert location._cache == {}
    with pytest.raises(KeyError):
        location._deregister_component_in_location(component)


def test_origin_context_is_the_given_source(session):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    component = session.create("FileComponent", {"name": "x"})
    assert origin._get_context(component, "/some/path") == {
        "source_resource_identifier": "/some/path"
    }
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    assert unmanaged._get_context(component, unmanaged) == {}


# Availability and picking ----------------------------------------------------------------


def test_availability_covers_every_location(session, tmp_path):
    component = session.create_component(write(tmp_path / "a.txt"), location="auto")
    availability = session.get_component_availability(component)
    all_ids = {location["id"] for location in session.query("Location").all()}
    assert set(availability) == all_ids
    assert {key for key, value in availability.items() if value} == {UNMANAGED_LOCATION_ID}


def test_availability_for_given_locations(session, tmp_path):
    component = session.create_component(write(tmp_path / "a.txt"), location="auto")
    server = builtin(session, SERVER_LOCATION_ID)
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    assert session.get_component_availabilities([component], locations=[server, unmanaged]) == [
        {SERVER_LOCATION_ID: 0.0, UNMANAGED_LOCATION_ID: 100.0}
    ]


def test_availability_is_fetched_afresh(session, tmp_path):
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    component = session.create_component(write(tmp_path / "a.txt"), location=unmanaged)
    assert component.get_availability()[UNMANAGED_LOCATION_ID] == 100.0
    registration = session.query(
        f"ComponentLocation where component_id is {component['id']}"
    ).one()
    session.delete(registration)
    session.commit()
    assert component.get_availability()[UNMANAGED_LOCATION_ID] == 0.0


def test_empty_sequence_counts_itself(session, tmp_path):
    origin = builtin(session, ORIGIN_LOCATION_ID)
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    sequence = session.create("SequenceComponent", {"name": "empty", "padding": 4})
    origin.add_component(sequence, str(tmp_path / "x.%04d.exr"))
    unmanaged.add_component(sequence, origin)
    assert unmanaged.get_component_availability(sequence) == 100.0


def test_get_locations_sorts_and_filters(session, tmp_path):
    location = disk_location(session, tmp_path / "store", priority=3)
    accessible = session._get_locations()
    assert accessible[0] is location
    assert [item.priority for item in accessible] == sorted(item.priority for item in accessible)
    assert all(item.accessor for item in accessible)
    everything = session._get_locations(filter_inaccessible=False)
    connect = session.get("Location", ftrack_api.symbol.CONNECT_LOCATION_ID)
    assert connect in everything and connect not in accessible


def test_pick_location_without_component_takes_the_preferred(session):
    assert session.pick_location()["name"] == "ftrack.unmanaged"
    builtin(session, UNMANAGED_LOCATION_ID).priority = 200
    assert session.pick_location()["name"] == "ftrack.origin"


def test_pick_location_prefers_priority_over_completeness(session, tmp_path):
    unmanaged = builtin(session, UNMANAGED_LOCATION_ID)
    container = session.create_component(sequence_files(tmp_path / "render"), location=unmanaged)
    location = disk_location(session, tmp_path / "store", priority=10)
    location.add_component(container, unmanaged)
    location.remove_component(container["members"][0])
    assert session.pick_location(container) is location
    location.priority = 200
    assert session.pick_location(container) is unmanaged


def test_pick_locations_gives_none_when_nowhere(session, tmp_path):
    component = session.create_component(write(tmp_path / "a.txt"), location=None)
    here = session.create_component(write(tmp_path / "b.txt"), location="auto")
    assert session.pick_locations([component, here]) == [
        None,
        builtin(session, UNMANAGED_LOCATION_ID),
    ]


# Events ----------------------------------------------------------------------------------


def test_changes_are_published_asynchronously_ignoring_errors(session, tmp_path, monkeypatch):
    published = []
    real_publish = session.event_hub.publish

    def publish(event, *args, **kwargs):
        if event["topic"].startswith("ftrack.location."):
            published.append((event["topic"], dict(event["data"]), args, kwargs))
        return real_publish(event, *args, **kwargs)

    monkeypatch.setattr(session.event_hub, "publish", publish)
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    location.remove_component(component)
    data = {"component_id": component["id"]}
    assert published == [
        (
            "ftrack.location.component-added",
            {**data, "location_id": ORIGIN_LOCATION_ID},
            (),
            {"on_error": "ignore"},
        ),
        (
            "ftrack.location.component-added",
            {**data, "location_id": location["id"]},
            (),
            {"on_error": "ignore"},
        ),
        (
            "ftrack.location.component-removed",
            {**data, "location_id": location["id"]},
            (),
            {"on_error": "ignore"},
        ),
    ]


def test_hub_failures_do_not_undo_a_transfer(session, tmp_path, monkeypatch):
    def broken(event, *args, **kwargs):
        if event["topic"].startswith("ftrack.location."):
            raise RuntimeError("hub down")
        return None

    monkeypatch.setattr(session.event_hub, "publish", broken)
    location = disk_location(session, tmp_path / "store")
    component = session.create_component(write(tmp_path / "a.txt"), location=location)
    assert location.get_component_availability(component) == 100.0


# Centralized storage scenario ------------------------------------------------------------


@pytest.fixture
def centralized_server(ftrack_server_factory, tmp_path):
    """A server whose storage scenario is centralized storage on ``tmp_path/mount``."""
    info = ftrack_server_factory()
    mount = tmp_path / "mount"
    mount.mkdir()
    with ftrack_api.Session(
        info.url, info.api_key, info.api_user, plugin_paths=[], schema_cache_path=False
    ) as setup:
        location = setup.create("Location", {"name": "studio.central"})
        setting = setup.query('Setting where name is "storage_scenario"').one()
        setting["value"] = json.dumps(
            {
                "scenario": "ftrack.centralized-storage",
                "data": {
                    "location_id": location["id"],
                    "location_name": "studio.central",
                    "accessor": {
                        "mount_points": {
                            "linux": str(mount),
                            "osx": str(mount),
                            "windows": str(mount),
                        }
                    },
                },
            }
        )
        setup.commit()
        location_id = location["id"]
    return info, location_id, mount


def test_centralized_storage_scenario_configures_its_location(centralized_server):
    info, location_id, mount = centralized_server
    with ftrack_api.Session(
        info.url, info.api_key, info.api_user, plugin_paths=[], schema_cache_path=False
    ) as session:
        location = session.get("Location", location_id)
        assert location["name"] == "studio.central"
        assert location.priority == 1
        assert isinstance(location.accessor, DiskAccessor)
        assert location.accessor.prefix == str(mount)
        assert isinstance(location.structure, ftrack_api.structure.standard.StandardStructure)
        assert session.pick_location() is location

        subscriptions = [str(s.subscription) for s in session.event_hub._subscribers]
        condition = 'data.storage_scenario.scenario="ftrack.centralized-storage"'
        assert f"topic=ftrack.storage-scenario.activate and {condition}" in subscriptions
        assert f"topic=ftrack.connect.verify-startup and {condition}" in subscriptions
        session.reset()
        assert session.get("Location", location_id).priority == 1
        subscriptions = [str(s.subscription) for s in session.event_hub._subscribers]
        assert len(subscriptions) == len(set(subscriptions))


def test_verify_startup_reports_a_missing_mount_point(centralized_server):
    info, _location_id, mount = centralized_server
    with ftrack_api.Session(
        info.url, info.api_key, info.api_user, plugin_paths=[], schema_cache_path=False
    ) as session:
        scenario = session.server_information["storage_scenario"]
        event = ftrack_api.event.base.Event(
            topic="ftrack.connect.verify-startup", data={"storage_scenario": scenario}
        )
        assert session.event_hub.publish(event, synchronous=True) == [None]
        os.rmdir(str(mount))
        (message,) = session.event_hub.publish(event, synchronous=True)
        assert str(mount) in message and "does not exist" in message


def test_automatic_storage_scenario_adds_no_location(session):
    assert session.server_information["storage_scenario"]["scenario"] == "ftrack.automatic"
    priorities = sorted(location.priority for location in session._get_locations())
    assert priorities[:4] == [90, 100, 110, 150]
