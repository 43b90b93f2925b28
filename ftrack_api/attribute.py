"""Attributes: how an entity type reads, writes and tracks each of its values.

Attribute objects live on the entity *class* and are shared by every instance. An
entity keeps its values in ``_local`` (set in this session, not yet committed: a plain
dictionary) and ``_remote`` (as last known from the server: a compact
:class:`~ftrack_api._storage.RemoteValues`); a missing value means
:data:`~ftrack_api.symbol.NOT_SET`. Nothing is allocated per attribute per entity,
which keeps decoding and merging large query results cheap.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Dict, Iterable, Iterator, Optional

import ftrack_api.collection
import ftrack_api.exception
import ftrack_api.inspection
import ftrack_api.operation
from ftrack_api.symbol import NOT_SET

logger = logging.getLogger(__name__)


def merge_references(function):
    """Decorate ``set_local_value``/``set_remote_value`` to merge entity values first.

    An entity from another session (or a detached one) assigned as a value is merged
    into the target entity's session so that identities stay unique per session.
    """

    @functools.wraps(function)
    def wrapper(self, entity, value):
        session = entity.session
        if getattr(value, "_ftrack_entity", False) and value.session is not session:
            value = session.merge(value)
        elif isinstance(value, (list, tuple)) and value and not isinstance(value, str):
            value = [
                session.merge(item)
                if getattr(item, "_ftrack_entity", False) and item.session is not session
                else item
                for item in value
            ]
        return function(self, entity, value)

    return wrapper


class _EntityStorage:
    """A read/write view of one entity's values in the original storage layout.

    ``storage[name]`` is ``{"local": ..., "remote": ...}``; writes go back to the
    entity. It exists for code written against ``Attribute.get_entity_storage``.
    """

    __slots__ = ("_entity",)

    def __init__(self, entity: Any) -> None:
        self._entity = entity

    def __getitem__(self, name: str) -> Dict[str, Any]:
        entity = self._entity
        return _ValueStorage(entity, name)

    def __contains__(self, name: object) -> bool:
        return name in self._entity._local or self._entity._remote.has(name)

    def __iter__(self) -> Iterator[str]:
        return iter(set(self._entity._local) | set(self._entity._remote.names()))


class _ValueStorage(dict):
    """``{"local": value, "remote": value}`` for one attribute; writes update the entity."""

    def __init__(self, entity: Any, name: str) -> None:
        super().__init__(
            local=entity._local.get(name, NOT_SET), remote=entity._remote.get(name, NOT_SET)
        )
        self._entity = entity
        self._name = name

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if key != "local":
            self._entity._remote.set(self._name, value)
        elif value is NOT_SET:
            self._entity._writable_local().pop(self._name, None)
        else:
            self._entity._writable_local()[self._name] = value


class Attributes:
    """The attributes of an entity type, by name, in schema order."""

    def __init__(self, attributes: Optional[Iterable[Attribute]] = None) -> None:
        self._data: Dict[str, Attribute] = {}
        for attribute in attributes or ():
            self.add(attribute)

    def add(self, attribute: Attribute) -> None:
        """Add ``attribute``; its name must be new."""
        if attribute.name in self._data:
            raise ftrack_api.exception.NotUniqueError(
                f"Attribute with name {attribute.name!r} already added as "
                f"{self._data[attribute.name]!r}"
            )
        self._data[attribute.name] = attribute

    def remove(self, attribute: Attribute) -> None:
        """Remove ``attribute``."""
        self._data.pop(attribute.name)

    def get(self, name: str) -> Optional[Attribute]:
        """Return the attribute called ``name``, or None."""
        return self._data.get(name)

    def keys(self) -> list:
        return list(self._data.keys())

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._data
        return getattr(item, "name", None) in self._data

    def __iter__(self) -> Iterator[Attribute]:
        return iter(self._data.values())

    def __len__(self) -> int:
        return len(self._data)


class Attribute:
    """One named value of an entity type."""

    def __init__(
        self, name: str, default_value: Any = NOT_SET, mutable: bool = True, computed: bool = False
    ) -> None:
        self._name = name
        self.default_value = default_value
        self._mutable = mutable
        self._computed = computed
        self._local_key = "local"
        self._remote_key = "remote"

    def __repr__(self) -> str:
        cls = self.__class__
        return f"<{cls.__module__}.{cls.__name__}({self._name}) object at {id(self)}>"

    @property
    def name(self) -> str:
        return self._name

    @property
    def mutable(self) -> bool:
        return self._mutable

    @property
    def computed(self) -> bool:
        return self._computed

    def get_entity_storage(self, entity: Any) -> _EntityStorage:
        """Return ``entity``'s values as ``{name: {"local": ..., "remote": ...}}``."""
        return _EntityStorage(entity)

    def get_local_value(self, entity: Any) -> Any:
        return entity._local.get(self._name, NOT_SET)

    def get_remote_value(self, entity: Any) -> Any:
        return entity._remote.get(self._name, NOT_SET)

    def get_value(self, entity: Any) -> Any:
        """Return the local value if set, else the remote one (fetching it if allowed)."""
        name = self._name
        value = entity._local.get(name, NOT_SET)
        if value is not NOT_SET:
            return value
        # RemoteValues.get, inlined: this runs for every attribute read.
        remote = entity._remote
        position = remote.shape.get(name)
        if position is not None:
            value = remote[position]
        if value is NOT_SET and self._can_populate(entity):
            self.populate_remote_value(entity)
            value = entity._remote.get(name, NOT_SET)
        return value

    def _can_populate(self, entity: Any) -> bool:
        return entity.session.auto_populate and not entity._new

    @merge_references
    def set_local_value(self, entity: Any, value: Any) -> None:
        """Set a value in this session, recording the change when recording is on."""
        if not self._mutable and not getattr(entity, "_constructing", False):
            raise ftrack_api.exception.ImmutableAttributeError(self)
        name = self._name
        old_value = entity._local.get(name, NOT_SET)
        if old_value is NOT_SET:
            old_value = entity._remote.get(name, NOT_SET)
        self._store_local(entity, value, old_value)

    def _store_local(self, entity: Any, value: Any, old_value: Any) -> None:
        """Keep ``value`` as the local value and record the change from ``old_value``."""
        name = self._name
        if value is NOT_SET:
            entity._writable_local().pop(name, None)
        else:
            entity._writable_local()[name] = value
        session = entity.session
        if session.record_operations:
            session.recorded_operations.push(
                ftrack_api.operation.UpdateEntityOperation(
                    entity.entity_type,
                    ftrack_api.inspection.primary_key(entity),
                    name,
                    old_value,
                    value,
                )
            )

    @merge_references
    def set_remote_value(self, entity: Any, value: Any) -> None:
        """Set the value as known on the server (no operation is recorded)."""
        entity._remote.set(self._name, value)

    def populate_remote_value(self, entity: Any) -> None:
        """Fetch this attribute's value for ``entity`` from the server."""
        entity.session.populate([entity], self._name)

    def is_modified(self, entity: Any) -> bool:
        """Whether a local value is set and differs from the remote one."""
        local_value = entity._local.get(self._name, NOT_SET)
        if local_value is NOT_SET:
            return False
        return local_value != entity._remote.get(self._name, NOT_SET)

    def is_set(self, entity: Any) -> bool:
        """Whether a local or remote value is set."""
        return self._name in entity._local or entity._remote.has(self._name)


class ScalarAttribute(Attribute):
    """A plain value: text, number, boolean, date-time..."""

    def __init__(self, name: str, data_type: str, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.data_type = data_type

    def populate_remote_value(self, entity: Any) -> None:
        # Load every unset scalar at once: scripts usually read several.
        entity._populate_unset_scalar_attributes(extra=self._name)


class ReferenceAttribute(Attribute):
    """A reference to one other entity."""

    def __init__(self, name: str, entity_type: str, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.entity_type = entity_type

    def populate_remote_value(self, entity: Any) -> None:
        session = entity.session
        target = session.types.get(self.entity_type)
        projections = target.default_projections if target is not None else ["id"]
        session.populate(
            [entity], ", ".join(f"{self._name}.{projection}" for projection in projections)
        )

    def is_modified(self, entity: Any) -> bool:
        local_value = entity._local.get(self._name, NOT_SET)
        if local_value is NOT_SET:
            return False
        remote_value = entity._remote.get(self._name, NOT_SET)
        if local_value is None or remote_value is None or remote_value is NOT_SET:
            return local_value is not remote_value
        return ftrack_api.inspection.identity(local_value) != ftrack_api.inspection.identity(
            remote_value
        )


class AbstractCollectionAttribute(Attribute):
    """A list of other entities (or a mapping view over one)."""

    collection_class: Any = None

    def get_value(self, entity: Any) -> Any:
        name = self._name
        local = entity._local.get(name, NOT_SET)
        if local is not NOT_SET:
            if not isinstance(local, self.collection_class):
                local = self._adapt_to_collection(entity, local)
                entity._writable_local()[name] = local
            return local
        remote = entity._remote.get(name, NOT_SET)
        if remote is NOT_SET:
            if self._can_populate(entity):
                self.populate_remote_value(entity)
                remote = entity._remote.get(name, NOT_SET)
            if remote is NOT_SET:
                # A new entity (or auto-population off): an empty collection, not stored,
                # so that it never passes for what the server holds. Changing it makes
                # it the local value (see _notify).
                return self._adapt_to_collection(entity, [])
        if not isinstance(remote, self.collection_class):
            remote = self._adapt_to_collection(entity, remote)
            entity._remote.set(name, remote)
        return remote

    def _adapt_to_collection(self, entity: Any, value: Any) -> Any:
        """Turn ``value`` (a list, collection or proxy) into this attribute's collection."""
        raise NotImplementedError()

    @merge_references
    def set_local_value(self, entity: Any, value: Any) -> None:
        if value is not NOT_SET and not isinstance(value, self.collection_class):
            value = self._adapt_to_collection(entity, value)
        Attribute.set_local_value.__wrapped__(self, entity, value)

    def _notify(self, entity: Any, collection: Any, old_value: Any) -> None:
        """A collection of ``entity`` changed in place: keep it as the local value.

        When the collection was the remote value, the remote value goes back to its
        state before the change, so local and remote stay distinct.
        """
        name = self._name
        owner = collection
        remote = entity._remote.get(name, NOT_SET)
        for stored in (entity._local.get(name, NOT_SET), remote):
            if stored is collection or getattr(stored, "collection", None) is collection:
                owner = stored
        if remote is owner:
            entity._remote.set(name, list(old_value) if old_value is not NOT_SET else [])
        self._store_local(entity, owner, old_value)

    @merge_references
    def set_remote_value(self, entity: Any, value: Any) -> None:
        if value is NOT_SET:
            entity._remote.discard(self._name)
            return
        # Lists are adapted lazily on first read: merging large results stays cheap.
        if isinstance(value, ftrack_api.collection.Collection):
            value = list(value)
        elif isinstance(value, ftrack_api.collection.MappedCollectionProxy):
            value = list(value.collection)
        entity._remote.set(self._name, value)


class CollectionAttribute(AbstractCollectionAttribute):
    """A plain list of entities."""

    collection_class = ftrack_api.collection.Collection

    def _adapt_to_collection(self, entity: Any, value: Any) -> Any:
        if isinstance(value, ftrack_api.collection.Collection):
            if value.entity is entity and value.attribute is self:
                return value
            value = list(value)
        elif value is NOT_SET or value is None:
            value = []
        return ftrack_api.collection.Collection(entity, self, mutable=self.mutable, data=value)


class KeyValueMappedCollectionAttribute(AbstractCollectionAttribute):
    """A collection of entities viewed as a key -> value mapping (``metadata``)."""

    collection_class = ftrack_api.collection.KeyValueMappedCollectionProxy

    def __init__(
        self, name: str, creator: Any, key_attribute: str, value_attribute: str, **kw: Any
    ) -> None:
        super().__init__(name, **kw)
        self.creator = creator
        self.key_attribute = key_attribute
        self.value_attribute = value_attribute

    def _adapt_to_collection(self, entity: Any, value: Any) -> Any:
        if isinstance(value, self.collection_class):
            if value.collection.entity is entity and value.collection.attribute is self:
                return value
            value = list(value.collection)
        elif isinstance(value, ftrack_api.collection.Collection):
            value = list(value)
        elif isinstance(value, dict):
            return self._from_mapping(entity, value)
        elif value is NOT_SET or value is None:
            value = []
        collection = ftrack_api.collection.Collection(
            entity, self, mutable=self.mutable, data=value
        )
        return self.collection_class(
            collection, self.creator, self.key_attribute, self.value_attribute
        )

    def _from_mapping(self, entity: Any, mapping: Dict[str, Any]) -> Any:
        proxy = self._adapt_to_collection(entity, [])
        with entity.session.operation_recording(False):
            for key, value in mapping.items():
                proxy[key] = value
        return proxy


class CustomAttributeCollectionAttribute(AbstractCollectionAttribute):
    """Custom attribute values viewed as configuration key -> value."""

    collection_class = ftrack_api.collection.CustomAttributeCollectionProxy

    def _adapt_to_collection(self, entity: Any, value: Any) -> Any:
        if isinstance(value, self.collection_class):
            if value.collection.entity is entity and value.collection.attribute is self:
                return value
            value = list(value.collection)
        elif isinstance(value, ftrack_api.collection.Collection):
            value = list(value)
        elif value is NOT_SET or value is None:
            value = []
        collection = ftrack_api.collection.Collection(
            entity, self, mutable=self.mutable, data=value
        )
        return self.collection_class(collection)
