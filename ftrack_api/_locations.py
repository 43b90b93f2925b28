"""The session's side of locations: components from files, availability, choosing a location.

:class:`~ftrack_api.session.Session` keeps thin methods (``create_component``,
``get_component_availabilities``, ``pick_location``, ...) that delegate here:

* :func:`create_component` makes a file, sequence or container component from a path,
  registers the path in the origin location and adds the data to a location;
* :func:`component_availabilities` reports, per location, how much of each
  component's data is there (sequences and containers by their members);
* :func:`pick_locations` chooses, per component, the preferred location holding it;
* :func:`configure_locations` sets up a session's locations at start-up and reset,
  including the centralized storage scenario (protocol.md section 5).
"""

from __future__ import annotations

import logging
import os
import sys
import weakref
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import clique

import ftrack_api.accessor.disk
import ftrack_api.entity.location
import ftrack_api.event.base
import ftrack_api.structure.standard
import ftrack_api.symbol
from ftrack_api.logging import LazyLogMessage as L
from ftrack_api.symbol import NOT_SET

logger = logging.getLogger(__name__)

AUTO = "auto"
DEFAULT_COMPONENT_NAME = "main"

# -- creating components ---------------------------------------------------------------


def create_component(
    session: Any, path: str, data: Optional[Dict[str, Any]] = None, location: Any = AUTO
) -> Any:
    """Create a component for ``path`` and add its data to ``location``.

    ``path`` is a file (or directory) path, or a file sequence in clique notation such as
    ``/renders/beauty.%04d.exr [1-100]``. ``location`` ``"auto"`` picks the preferred
    accessible location (:func:`pick_location`); ``None`` adds the data nowhere.
    """
    if isinstance(location, str) and location == AUTO:
        location = pick_location(session)
    data = dict(data or {})
    try:
        collection = clique.parse(path)
    except ValueError:
        return session._create_component("FileComponent", path, data, location)
    return _create_sequence_component(session, collection, data, location)


def _create_sequence_component(
    session: Any, collection: Any, data: Dict[str, Any], location: Any
) -> Any:
    """A SequenceComponent with one FileComponent member per frame of ``collection``."""
    member_paths = list(collection)
    member_sizes = [session._get_filesystem_size(member_path) for member_path in member_paths]
    data.setdefault("padding", collection.padding)
    data.setdefault("size", sum(member_sizes))
    container_path = collection.format("{head}{padding}{tail}")
    container = session._create_component("SequenceComponent", container_path, data, None)

    frame_format = f"%0{collection.padding}d" if collection.padding else "%d"
    members = []
    for index, member_path, member_size in zip(
        sorted(collection.indexes), member_paths, member_sizes
    ):
        member_data = {"name": frame_format % index, "container": container, "size": member_size}
        members.append(session._create_component("FileComponent", member_path, member_data, None))
    container["members"] = members

    if location is not None:
        origin = session.get("Location", ftrack_api.symbol.ORIGIN_LOCATION_ID)
        location.add_component(container, origin, recursive=True)
    return container


def create_component_entity(
    session: Any, entity_type: str, path: str, data: Dict[str, Any], location: Any
) -> Any:
    """Create one ``entity_type`` component for ``path``, register it in the origin
    location and add its data (not its members') to ``location`` unless None."""
    data = dict(data)
    if "file_type" not in data:
        data["file_type"] = file_type(session, path)
    if "size" not in data:
        data["size"] = session._get_filesystem_size(path)
    data.setdefault("name", DEFAULT_COMPONENT_NAME)
    component = session.create(entity_type, data)

    origin = session.get("Location", ftrack_api.symbol.ORIGIN_LOCATION_ID)
    origin.add_component(component, path, recursive=False)
    if location is not None:
        location.add_component(component, origin, recursive=False)
    return component


def file_type(session: Any, path: str) -> str:
    """The file type of ``path``: a plugin's answer, else its extension (``.exr``)."""
    event = ftrack_api.event.base.Event(
        topic="ftrack.api.session.get-file-type-from-string", data={"file_path": path}
    )
    for result in session.event_hub.publish(event, synchronous=True) or ():
        if result is not None:
            return result
    return os.path.splitext(path)[-1]


def filesystem_size(path: str) -> int:
    """Size in bytes of the file (or directory entry) at ``path``; 0 if there is none."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# -- availability ------------------------------------------------------------------------


def component_availabilities(
    session: Any, components: Iterable[Any], locations: Optional[Sequence[Any]] = None
) -> List[Dict[str, float]]:
    """For each component, ``{location id: percentage of its data in that location}``.

    The registrations are fetched afresh from the server. A sequence or container is as
    available as the share of its members that are; one without members counts itself.
    ``locations`` defaults to every location, accessible or not, in the server's order.
    """
    return _availabilities(
        session,
        list(components),
        lambda: locations if locations is not None else session.query("Location").all(),
    )


def _availabilities(
    session: Any, components: List[Any], get_locations: Callable[[], Sequence[Any]]
) -> List[Dict[str, float]]:
    containers = [component for component in components if _is_container(component)]
    files = [component for component in components if not _is_container(component)]
    if containers:
        session.populate(containers, "members, component_locations.location_id")
    if files:
        session.populate(files, "component_locations.location_id")
    location_ids = [location["id"] for location in get_locations()]

    members_by_container = {}
    all_members = []
    for container in containers:
        members = _quiet_list(container, "members")
        members_by_container[id(container)] = members
        all_members.extend(members)
    if all_members:
        session.populate(all_members, "component_locations.location_id")

    availabilities = []
    for component in components:
        members = members_by_container.get(id(component))
        if members:
            counts = dict.fromkeys(location_ids, 0)
            for member in members:
                for location_id in _registered_location_ids(member):
                    if location_id in counts:
                        counts[location_id] += 1
            availability = {
                location_id: 100.0 * counts[location_id] / len(members)
                for location_id in location_ids
            }
        else:
            registered = _registered_location_ids(component)
            availability = {
                location_id: 100.0 if location_id in registered else 0.0
                for location_id in location_ids
            }
        availabilities.append(availability)
    return availabilities


def _registered_location_ids(component: Any) -> set:
    """Ids of the locations the server says hold ``component`` (no further request)."""
    location_ids = set()
    with component.session.auto_populating(False):
        for component_location in _quiet_list(component, "component_locations"):
            location_id = component_location["location_id"]
            if location_id is NOT_SET:
                location = component_location["location"]
                location_id = NOT_SET if location is NOT_SET else location["id"]
            if location_id is not NOT_SET:
                location_ids.add(location_id)
    return location_ids


def _quiet_list(entity: Any, name: str) -> List[Any]:
    """The items of the collection ``name`` as already known (never fetched)."""
    with entity.session.auto_populating(False):
        value = entity[name]
    return [] if value is NOT_SET or value is None else list(value)


def _is_container(component: Any) -> bool:
    return component.attributes.get("members") is not None


# -- choosing locations ------------------------------------------------------------------


def get_locations(session: Any, filter_inaccessible: bool = True) -> List[Any]:
    """Every location, preferred (lowest priority number) first.

    With ``filter_inaccessible``, only those with an accessor configured.
    """
    locations = session.query("Location").all()
    if filter_inaccessible:
        locations = [location for location in locations if location.accessor]
    return sorted(locations, key=lambda location: location.priority)


def pick_location(session: Any, component: Any = None) -> Optional[Any]:
    """The preferred accessible location, or the preferred one holding ``component``."""
    if component is None:
        locations = get_locations(session)
        return locations[0] if locations else None
    return pick_locations(session, [component])[0]


def pick_locations(session: Any, components: Iterable[Any]) -> List[Optional[Any]]:
    """For each component, the preferred accessible location holding any of its data."""
    locations: List[Any] = []

    def accessible_locations() -> List[Any]:
        locations.extend(get_locations(session))
        return locations

    availabilities = _availabilities(session, list(components), accessible_locations)
    return [
        next((location for location in locations if availability[location["id"]] > 0), None)
        for availability in availabilities
    ]


# -- configuration -----------------------------------------------------------------------

STORAGE_SCENARIO_ACTIVATE_TOPIC = "ftrack.storage-scenario.activate"
VERIFY_STARTUP_TOPIC = "ftrack.connect.verify-startup"
CENTRALIZED_STORAGE = "ftrack.centralized-storage"
CENTRALIZED_STORAGE_PRIORITY = 1

_PLATFORMS = (("linux", "linux"), ("darwin", "osx"), ("win", "windows"), ("cygwin", "windows"))

_sessions_with_scenario_handlers: weakref.WeakSet = weakref.WeakSet()


def configure_locations(session: Any) -> None:
    """Configure a session's locations: the built-in ones, then the storage scenario's,
    then whatever plugins add on ``ftrack.api.session.configure-location``."""
    if session not in _sessions_with_scenario_handlers:
        _sessions_with_scenario_handlers.add(session)
        _subscribe_centralized_storage(session)
    ftrack_api.entity.location.configure_builtin_locations(session)

    storage_scenario = session.server_information.get("storage_scenario")
    if isinstance(storage_scenario, dict) and storage_scenario.get("scenario"):
        session.event_hub.publish(
            ftrack_api.event.base.Event(
                topic=STORAGE_SCENARIO_ACTIVATE_TOPIC,
                data={"storage_scenario": storage_scenario},
            ),
            synchronous=True,
        )
    session.event_hub.publish(
        ftrack_api.event.base.Event(
            topic="ftrack.api.session.configure-location", data={"session": session}
        ),
        synchronous=True,
    )


def _subscribe_centralized_storage(session: Any) -> None:
    """Handle the centralized storage scenario in ``session`` (weakly: no cycle kept)."""
    session_ref = weakref.ref(session)

    def activate(event: Any) -> None:
        session = session_ref()
        if session is not None:
            configure_centralized_storage(session, event["data"]["storage_scenario"])

    def verify_startup(event: Any) -> Optional[str]:
        return verify_centralized_storage(event["data"]["storage_scenario"])

    condition = f'data.storage_scenario.scenario="{CENTRALIZED_STORAGE}"'
    session.event_hub.subscribe(
        f"topic={STORAGE_SCENARIO_ACTIVATE_TOPIC} and {condition}", activate
    )
    session.event_hub.subscribe(f"topic={VERIFY_STARTUP_TOPIC} and {condition}", verify_startup)


def _platform_name() -> str:
    return next((name for prefix, name in _PLATFORMS if sys.platform.startswith(prefix)), "")


def _mount_point(storage_scenario: Dict[str, Any]) -> Optional[str]:
    data = storage_scenario.get("data") or {}
    mount_points = (data.get("accessor") or {}).get("mount_points") or {}
    return mount_points.get(_platform_name()) or None


def configure_centralized_storage(session: Any, storage_scenario: Dict[str, Any]) -> Any:
    """Set up the scenario's disk location (priority 1) in ``session``; return it.

    Returns None when the scenario names no mount point for this platform.
    """
    data = storage_scenario.get("data") or {}
    mount_point = _mount_point(storage_scenario)
    if not mount_point or not data.get("location_id"):
        logger.warning(
            L(
                "Centralized storage scenario has no location or no mount point for {0}; "
                "its location is not configured: {1!r}",
                _platform_name(),
                storage_scenario,
            )
        )
        return None
    location = session.create(
        "Location",
        {"id": data["location_id"], "name": data.get("location_name")},
        reconstructing=True,
    )
    location.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix=mount_point)
    location.structure = ftrack_api.structure.standard.StandardStructure()
    location.priority = CENTRALIZED_STORAGE_PRIORITY
    return location


def verify_centralized_storage(storage_scenario: Dict[str, Any]) -> Optional[str]:
    """A warning for ftrack Connect when this machine cannot reach the storage, else None."""
    data = storage_scenario.get("data") or {}
    name = data.get("location_name") or data.get("location_id")
    mount_point = _mount_point(storage_scenario)
    if not mount_point:
        return (
            f"The centralized storage scenario (location {name}) has no mount point for "
            f"this platform ({_platform_name() or sys.platform})."
        )
    if not os.path.isdir(os.path.expandvars(os.path.expanduser(mount_point))):
        return (
            f"The mount point {mount_point} of the centralized storage location {name} "
            "does not exist or is not a directory on this computer."
        )
    return None
