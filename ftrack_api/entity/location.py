"""Locations: where component data is stored, and how to move it there.

A location combines an *accessor* (how to read and write its storage), a *structure*
(which resource identifier a component's data gets) and a *priority* (lower numbers are
preferred when picking where to read from). Adding a component copies its data from a
source location through both accessors in chunks, then registers the component: in the
database (a ``ComponentLocation``) or, for memory locations, in the location object.

The protected hooks (``_add_data``, ``_register_components_in_location``, ...) are what
the mixins below and user locations override. :func:`configure_builtin_locations`
sets up the origin, unmanaged, review and server locations of a session.
"""

from __future__ import annotations

import collections.abc
from typing import Any, Dict, List, Optional, Sequence

import ftrack_api.accessor.disk
import ftrack_api.accessor.server
import ftrack_api.entity.base
import ftrack_api.event.base
import ftrack_api.exception
import ftrack_api.structure.entity_id
import ftrack_api.structure.origin
import ftrack_api.symbol
from ftrack_api.logging import LazyLogMessage as L
from ftrack_api.symbol import NOT_SET

__all__ = [
    "L",
    "Location",
    "MemoryLocationMixin",
    "OriginLocationMixin",
    "ServerLocationMixin",
    "UnmanagedLocationMixin",
    "configure_builtin_locations",
]

DEFAULT_PRIORITY = 95

_TRANSFER_FAILED = (
    "Failed to transfer component {component} data to location {location} due to error:\n"
    "{indent}{error}\n"
    "{indent}Transferred component data that may require cleanup: {transferred}"
)
_REGISTER_FAILED = (
    "Failed to register components with location {location} due to error:\n"
    "{indent}{error}\n"
    "{indent}Transferred component data that may require cleanup: {transferred}"
)


class Location(ftrack_api.entity.base.Entity):
    """A storage location for component data."""

    # Class-level defaults: locations loaded by a query skip ``__init__``.
    accessor: Any = NOT_SET
    structure: Any = NOT_SET
    resource_identifier_transformer: Any = NOT_SET
    priority = DEFAULT_PRIORITY

    def __init__(
        self, session: Any, data: Optional[Dict[str, Any]] = None, reconstructing: bool = False
    ) -> None:
        self.accessor: Any = NOT_SET
        self.structure: Any = NOT_SET
        self.resource_identifier_transformer: Any = NOT_SET
        self.priority = DEFAULT_PRIORITY
        super().__init__(session, data=data, reconstructing=reconstructing)

    def __str__(self) -> str:
        representation = super().__str__()
        with self.session.auto_populating(False):
            name = self["name"]
        if name is not NOT_SET:
            representation = representation.replace("(", f'("{name}", ', 1)
        return representation

    # -- adding ----------------------------------------------------------------------

    def add_component(self, component: Any, source: Any, recursive: bool = True) -> None:
        """Add ``component``'s data from the ``source`` location to this location.

        With ``recursive``, the members of a container component are added too.
        """
        return self.add_components([component], sources=source, recursive=recursive)

    def add_components(
        self, components: Sequence[Any], sources: Any, recursive: bool = True, _depth: int = 0
    ) -> None:
        """Add ``components``' data from ``sources`` (one location, or one per component).

        The data of each component is transferred first; then all of them are registered
        in this location at once and a ``ftrack.location.component-added`` event is
        published for each. Raise ComponentInLocationError when any is already here, and
        LocationError (listing the data already transferred) when a transfer or the
        registration fails.
        """
        if not self.structure:
            raise ftrack_api.exception.LocationError(
                "No structure defined for location {location}.", details={"location": self}
            )
        components = list(components)
        if not components:
            return
        sources = _one_source_per_component(sources, len(components))
        self._check_not_present(components)

        indent = "    " * (_depth + 1)
        transferred: List[Any] = []
        for component, source in zip(components, sources):
            try:
                context = self._get_context(component, source)
                resource_identifier = self.structure.get_resource_identifier(component, context)
                if recursive and _is_container(component):
                    members = list(component["members"])
                    if members:
                        self.add_components(
                            members, sources=source, recursive=recursive, _depth=_depth + 1
                        )
                self._add_data(component, resource_identifier, source)
            except Exception as error:
                raise _location_error(
                    _TRANSFER_FAILED,
                    component=component,
                    location=self,
                    indent=indent,
                    error=error,
                    transferred=transferred,
                ) from error
            transferred.append((component, resource_identifier))

        resource_identifiers = [
            self._encode_resource_identifier(component, resource_identifier)
            for component, resource_identifier in transferred
        ]
        try:
            self._register_components_in_location(components, resource_identifiers)
        except Exception as error:
            raise _location_error(
                _REGISTER_FAILED,
                location=self,
                indent=indent,
                error=error,
                transferred=transferred,
            ) from error

        for component in components:
            self._publish_change(ftrack_api.symbol.COMPONENT_ADDED_TO_LOCATION_TOPIC, component)

    def _check_not_present(self, components: List[Any]) -> None:
        present: List[Any] = []
        try:
            self.get_resource_identifiers(components)
        except ftrack_api.exception.ComponentNotInLocationError as error:
            missing = {component["id"] for component in error.details["components"]}
            present = [component for component in components if component["id"] not in missing]
        else:
            present = components
        if present:
            raise ftrack_api.exception.ComponentInLocationError(present, self)

    def _get_context(self, component: Any, source: Any) -> Dict[str, Any]:
        """Context for the structure: the data's resource identifier in ``source``."""
        try:
            return {"source_resource_identifier": source.get_resource_identifier(component)}
        except ftrack_api.exception.ComponentNotInLocationError:
            return {}

    def _add_data(self, component: Any, resource_identifier: Any, source: Any) -> None:
        """Copy ``component``'s data from ``source`` to ``resource_identifier`` here.

        Containers get a container (sequences need none: their members' files make
        them); files are copied in chunks of :data:`ftrack_api.symbol.CHUNK_SIZE`, into a
        container that is created when needed. Existing data is never overwritten.
        """
        self.logger.debug(
            L(
                "Adding data for component {0!r} from source {1!r} to location {2!r} "
                "using resource identifier {3!r}.",
                component,
                source,
                self,
                resource_identifier,
            )
        )
        if not source.accessor:
            raise ftrack_api.exception.LocationError(
                "No accessor defined for source location {location}.",
                details={"location": source},
            )
        if not self.accessor:
            raise ftrack_api.exception.LocationError(
                "No accessor defined for target location {location}.",
                details={"location": self},
            )

        if _is_container(component):
            if component.entity_type != "SequenceComponent":
                self.accessor.make_container(resource_identifier)
            return

        try:
            container = self.accessor.get_container(resource_identifier)
        except ftrack_api.exception.AccessorParentResourceNotFoundError:
            pass  # nothing the accessor can address above it: nothing to create
        else:
            self.accessor.make_container(container)

        if self.accessor.exists(resource_identifier):
            raise ftrack_api.exception.LocationError(
                "Cannot add component as data already exists and overwriting could result "
                "in data loss. Computed target resource identifier was: {resource_identifier}",
                details={"resource_identifier": resource_identifier},
            )
        source_data = source.accessor.open(source.get_resource_identifier(component), "rb")
        try:
            target_data = self.accessor.open(resource_identifier, "wb")
            try:
                _copy(source_data, target_data)
            finally:
                target_data.close()
        finally:
            source_data.close()

    def _register_component_in_location(self, component: Any, resource_identifier: Any) -> None:
        """Record that ``component``'s data is here under ``resource_identifier``."""
        self._register_components_in_location([component], [resource_identifier])

    def _register_components_in_location(
        self, components: Sequence[Any], resource_identifiers: Sequence[Any]
    ) -> None:
        """Create a ComponentLocation for each component and commit them together."""
        session = self.session
        for component, resource_identifier in zip(components, resource_identifiers):
            session.create(
                "ComponentLocation",
                {
                    "component": component,
                    "location": self,
                    "resource_identifier": resource_identifier,
                },
            )
        session.commit()

    # -- removing --------------------------------------------------------------------

    def remove_component(self, component: Any, recursive: bool = True) -> None:
        """Remove ``component``'s data from this location and forget it is here.

        With ``recursive``, a container's members are removed first.
        """
        return self.remove_components([component], recursive=recursive)

    def remove_components(self, components: Sequence[Any], recursive: bool = True) -> None:
        """Remove each of ``components`` (see :meth:`remove_component`).

        Raise ComponentNotInLocationError for a component that is not here.
        """
        for component in components:
            self.get_resource_identifier(component)  # not here: ComponentNotInLocationError
            if recursive and _is_container(component):
                for member in list(component["members"]):
                    self.remove_component(member, recursive=recursive)
            self._remove_data(component)
            self._deregister_component_in_location(component)
            self._publish_change(
                ftrack_api.symbol.COMPONENT_REMOVED_FROM_LOCATION_TOPIC, component
            )

    def _remove_data(self, component: Any) -> None:
        """Delete ``component``'s data (a sequence has none of its own)."""
        resource_identifier = self.get_resource_identifier(component)
        if component.entity_type == "SequenceComponent":
            return
        self.accessor.remove(resource_identifier)

    def _deregister_component_in_location(self, component: Any) -> None:
        """Delete the ComponentLocation linking ``component`` to this location."""
        session = self.session
        component_locations = session.query(
            f"select id from ComponentLocation where component_id is {component['id']} "
            f"and location_id is {self['id']}"
        ).all()
        for component_location in component_locations:
            session.delete(component_location)
        session.commit()

    # -- availability and identifiers -------------------------------------------------

    def get_component_availability(self, component: Any) -> float:
        """Percentage (0-100) of ``component``'s data available here."""
        return self.get_component_availabilities([component])[0]

    def get_component_availabilities(self, components: Sequence[Any]) -> List[float]:
        """Percentage (0-100) of each component's data available here."""
        location_id = self["id"]
        availabilities = self.session.get_component_availabilities(components, locations=[self])
        return [availability[location_id] for availability in availabilities]

    def get_resource_identifier(self, component: Any) -> Any:
        """The resource identifier of ``component``'s data here."""
        return self.get_resource_identifiers([component])[0]

    def get_resource_identifiers(self, components: Sequence[Any]) -> List[Any]:
        """The resource identifier of each component's data here, in order.

        Raise ComponentNotInLocationError naming the components that are not here.
        """
        components = list(components)
        resource_identifiers = self._get_resource_identifiers(components)
        transformer = self.resource_identifier_transformer
        if transformer:
            resource_identifiers = [
                transformer.decode(resource_identifier, context={"component": component})
                for component, resource_identifier in zip(components, resource_identifiers)
            ]
        return resource_identifiers

    def _get_resource_identifiers(self, components: Sequence[Any]) -> List[Any]:
        """Registered resource identifiers of ``components``, from the database."""
        components = list(components)
        if not components:
            return []
        component_ids = [str(component["id"]) for component in components]
        component_locations = self.session.query(
            "select component_id, resource_identifier from ComponentLocation "
            "where location_id is {} and component_id in ({})".format(
                self["id"], ", ".join(component_ids)
            )
        )
        found = {
            str(component_location["component_id"]): component_location["resource_identifier"]
            for component_location in component_locations
        }
        missing = [component for component in components if str(component["id"]) not in found]
        if missing:
            raise ftrack_api.exception.ComponentNotInLocationError(missing, self)
        return [found[component_id] for component_id in component_ids]

    def _encode_resource_identifier(self, component: Any, resource_identifier: Any) -> Any:
        transformer = self.resource_identifier_transformer
        if not transformer:
            return resource_identifier
        return transformer.encode(resource_identifier, context={"component": component})

    def get_filesystem_path(self, component: Any) -> str:
        """The filesystem path of ``component``'s data here (if the accessor has one)."""
        return self.get_filesystem_paths([component])[0]

    def get_filesystem_paths(self, components: Sequence[Any]) -> List[str]:
        """The filesystem path of each component's data here."""
        return [
            self.accessor.get_filesystem_path(resource_identifier)
            for resource_identifier in self.get_resource_identifiers(components)
        ]

    def get_url(self, component: Any) -> str:
        """A URL of ``component``'s data here (if the accessor can give one)."""
        return self.accessor.get_url(self.get_resource_identifier(component))

    # -- events ----------------------------------------------------------------------

    def _publish_change(self, topic: str, component: Any) -> None:
        """Tell other clients (asynchronously; ignored when the hub is not connected)."""
        event = ftrack_api.event.base.Event(
            topic=topic, data={"component_id": component["id"], "location_id": self["id"]}
        )
        try:
            self.session.event_hub.publish(event, on_error="ignore")
        except Exception as error:  # an event must never undo a finished transfer
            self.logger.debug(L("Could not publish {0}: {1}", topic, error))


class MemoryLocationMixin(
    ftrack_api.entity.base._EntityBase,
    collections.abc.MutableMapping,
    metaclass=ftrack_api.entity.base.DynamicEntityTypeMetaclass,
):
    """Keep component registrations in this object instead of on the server."""

    @property
    def _cache(self) -> Dict[str, Any]:
        """Resource identifiers by component id."""
        cache = self.__dict__.get("_memory_location_cache")
        if cache is None:
            cache = self.__dict__["_memory_location_cache"] = {}
        return cache

    def _register_component_in_location(self, component: Any, resource_identifier: Any) -> None:
        self._cache[component["id"]] = resource_identifier

    def _register_components_in_location(
        self, components: Sequence[Any], resource_identifiers: Sequence[Any]
    ) -> None:
        for component, resource_identifier in zip(components, resource_identifiers):
            self._register_component_in_location(component, resource_identifier)

    def _deregister_component_in_location(self, component: Any) -> None:
        del self._cache[component["id"]]

    def _get_resource_identifiers(self, components: Sequence[Any]) -> List[Any]:
        cache = self._cache
        missing = [component for component in components if component["id"] not in cache]
        if missing:
            raise ftrack_api.exception.ComponentNotInLocationError(missing, self)
        return [cache[component["id"]] for component in components]


class UnmanagedLocationMixin(
    ftrack_api.entity.base._EntityBase,
    collections.abc.MutableMapping,
    metaclass=ftrack_api.entity.base.DynamicEntityTypeMetaclass,
):
    """Record where data already is, without ever moving or deleting it."""

    def _add_data(self, component: Any, resource_identifier: Any, source: Any) -> None:
        """Nothing to copy: the data stays where it is."""

    def _remove_data(self, component: Any) -> None:
        """Nothing to delete: the data is not ours."""


class OriginLocationMixin(MemoryLocationMixin, UnmanagedLocationMixin):
    """Where data being added to another location comes from (registered in memory)."""

    def _get_context(self, component: Any, source: Any) -> Dict[str, Any]:
        """The source given to :meth:`add_component` is the data's path itself."""
        return {"source_resource_identifier": source}


class ServerLocationMixin(
    ftrack_api.entity.base._EntityBase,
    collections.abc.MutableMapping,
    metaclass=ftrack_api.entity.base.DynamicEntityTypeMetaclass,
):
    """Data stored on the ftrack server."""

    def get_thumbnail_url(self, component: Any, size: Optional[int] = None) -> str:
        """A URL of ``component`` as a thumbnail, scaled to fit ``size`` pixels if given."""
        resource_identifier = self.get_resource_identifier(component)
        return self.accessor.get_thumbnail_url(resource_identifier, size)


# -- helpers -------------------------------------------------------------------------


def _is_container(component: Any) -> bool:
    """Whether ``component`` has members (sequences and containers)."""
    return component.attributes.get("members") is not None


def _one_source_per_component(sources: Any, count: int) -> List[Any]:
    if isinstance(sources, (list, tuple)):
        if len(sources) == 1:
            return list(sources) * count
        if len(sources) != count:
            raise ValueError(
                "sources must be either a single source or a sequence of sources with "
                "indexes corresponding to passed components."
            )
        return list(sources)
    return [sources] * count


def _copy(source: Any, target: Any) -> None:
    """Copy ``source`` to ``target`` in chunks (never the whole data at once)."""
    while True:
        chunk = source.read(ftrack_api.symbol.CHUNK_SIZE)
        if not chunk:
            break
        target.write(chunk)


def _location_error(template: str, **values: Any) -> ftrack_api.exception.LocationError:
    """A LocationError with ``template`` filled in now (nested errors may hold braces)."""
    message = template.format(**values)
    details = dict(values)
    details.pop("indent", None)
    return ftrack_api.exception.LocationError(
        message.replace("{", "{{").replace("}", "}}"), details=details
    )


def _builtin(session: Any, location_id: str, name: str, mixin: type, class_name: str) -> Any:
    location = session.create("Location", {"id": location_id, "name": name}, reconstructing=True)
    ftrack_api.mixin(location, mixin, name=class_name)
    return location


def configure_builtin_locations(session: Any) -> None:
    """Configure the origin, unmanaged, review and server locations (no request)."""
    symbol = ftrack_api.symbol
    origin = _builtin(
        session, symbol.ORIGIN_LOCATION_ID, "ftrack.origin", OriginLocationMixin, "OriginLocation"
    )
    origin.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix="")
    origin.structure = ftrack_api.structure.origin.OriginStructure()
    origin.priority = 100

    for location_id, name, priority in (
        (symbol.UNMANAGED_LOCATION_ID, "ftrack.unmanaged", 90),
        (symbol.REVIEW_LOCATION_ID, "ftrack.review", 110),
    ):
        location = _builtin(
            session, location_id, name, UnmanagedLocationMixin, "UnmanagedLocation"
        )
        location.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix="")
        location.structure = ftrack_api.structure.origin.OriginStructure()
        location.priority = priority

    server = _builtin(
        session, symbol.SERVER_LOCATION_ID, "ftrack.server", ServerLocationMixin, "ServerLocation"
    )
    server.accessor = ftrack_api.accessor.server._ServerAccessor(session=session)
    server.structure = ftrack_api.structure.entity_id.EntityIdStructure()
    server.priority = 150
