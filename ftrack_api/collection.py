"""Collections of entities held by collection attributes, and mapping views over them.

A :class:`Collection` is a list of entities belonging to one attribute of one entity;
changing it records an update of that attribute. :class:`KeyValueMappedCollectionProxy`
shows a collection of key/value entities (``metadata``, custom attribute values) as a
mapping, creating and deleting the entities behind the keys as needed.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import MutableMapping, MutableSequence
from typing import Any, Callable, Iterable, Iterator, List, Optional

import ftrack_api.cache
import ftrack_api.exception
import ftrack_api.inspection
from ftrack_api.logging import LazyLogMessage as L
from ftrack_api.symbol import NOT_SET

__all__ = [
    "Collection",
    "CustomAttributeCollectionProxy",
    "KeyValueMappedCollectionProxy",
    "L",
    "MappedCollectionProxy",
    "PerSessionDefaultKeyMaker",
    "memoise_session",
]


class Collection(MutableSequence):
    """The entities of ``attribute`` on ``entity``; no entity appears twice."""

    def __init__(
        self, entity: Any, attribute: Any, mutable: bool = True, data: Optional[Iterable] = None
    ) -> None:
        self.entity = entity
        self.attribute = attribute
        self.mutable = mutable
        self._data: List[Any] = []
        self._identities: set = set()
        for item in data or ():
            identity = self._identity_key(item)
            if identity not in self._identities:
                self._identities.add(identity)
                self._data.append(item)

    def _identity_key(self, entity: Any) -> Any:
        return entity._identity()

    def _notify(self, old_value: Any) -> None:
        """Record the change on the owning entity's attribute."""
        self.attribute._notify(self.entity, self, old_value)

    def _check_mutable(self) -> None:
        if not self.mutable:
            raise ftrack_api.exception.ImmutableCollectionError(self)

    def insert(self, index: int, item: Any) -> None:
        self._check_mutable()
        identity = self._identity_key(item)
        if identity in self._identities:
            raise ftrack_api.exception.DuplicateItemInCollectionError(item, self)
        old_value = copy.copy(self)
        self._data.insert(index, item)
        self._identities.add(identity)
        self._notify(old_value)

    def __contains__(self, value: object) -> bool:
        if getattr(value, "_ftrack_entity", False):
            return self._identity_key(value) in self._identities
        return False

    def __getitem__(self, index: Any) -> Any:
        return self._data[index]

    def __setitem__(self, index: Any, item: Any) -> None:
        self._check_mutable()
        old_value = copy.copy(self)
        items = list(item) if isinstance(index, slice) else [item]
        replaced = self._data[index] if isinstance(index, slice) else [self._data[index]]
        remaining = self._identities - {self._identity_key(entity) for entity in replaced}
        for entity in items:
            identity = self._identity_key(entity)
            if identity in remaining:
                raise ftrack_api.exception.DuplicateItemInCollectionError(entity, self)
            remaining.add(identity)
        self._data[index] = items if isinstance(index, slice) else item
        self._identities = remaining
        self._notify(old_value)

    def __delitem__(self, index: Any) -> None:
        self._check_mutable()
        old_value = copy.copy(self)
        removed = self._data[index] if isinstance(index, slice) else [self._data[index]]
        del self._data[index]
        for entity in removed:
            self._identities.discard(self._identity_key(entity))
        self._notify(old_value)

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Collection):
            return False
        return [self._identity_key(item) for item in self._data] == [
            other._identity_key(item) for item in other._data
        ]

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> Collection:
        duplicate = self.__class__.__new__(self.__class__)
        duplicate.entity = self.entity
        duplicate.attribute = self.attribute
        duplicate.mutable = self.mutable
        duplicate._data = list(self._data)
        duplicate._identities = set(self._identities)
        return duplicate

    def __repr__(self) -> str:
        return f"<{self.__class__.__module__}.{self.__class__.__name__} object at {id(self):#x}>"


class MappedCollectionProxy(MutableMapping):
    """A mapping view over a :class:`Collection`."""

    def __init__(self, collection: Collection) -> None:
        super().__init__()
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)
        self.collection = collection

    def __copy__(self) -> MappedCollectionProxy:
        duplicate = self.__class__.__new__(self.__class__)
        duplicate.__dict__.update(self.__dict__)
        duplicate.collection = copy.copy(self.collection)
        return duplicate

    @property
    def mutable(self) -> bool:
        return self.collection.mutable

    @mutable.setter
    def mutable(self, value: bool) -> None:
        self.collection.mutable = value

    @property
    def attribute(self) -> Any:
        return self.collection.attribute

    @attribute.setter
    def attribute(self, value: Any) -> None:
        self.collection.attribute = value


class KeyValueMappedCollectionProxy(MappedCollectionProxy):
    """Entities with a key and a value attribute, seen as ``{key: value}``.

    Setting a new key calls ``creator(proxy, key, value)`` to make the entity holding it;
    deleting a key removes its entity from the collection and deletes it.
    """

    def __init__(
        self,
        collection: Collection,
        creator: Callable[[Any, str], Any],
        key_attribute: str,
        value_attribute: str,
    ) -> None:
        super().__init__(collection)
        self.creator = creator
        self.key_attribute = key_attribute
        self.value_attribute = value_attribute

    def _get_entity_by_key(self, key: Any) -> Optional[Any]:
        for entity in self.collection:
            if entity[self.key_attribute] == key:
                return entity
        return None

    def __getitem__(self, key: Any) -> Any:
        entity = self._get_entity_by_key(key)
        if entity is None:
            raise KeyError(key)
        return entity[self.value_attribute]

    def __setitem__(self, key: Any, value: Any) -> None:
        entity = self._get_entity_by_key(key)
        if entity is None:
            # The creator makes the entity with its value, so the creation carries both.
            entity = self.creator(self, key, value)
            if entity not in self.collection:
                self.collection.append(entity)
            return
        entity[self.value_attribute] = value

    def __delitem__(self, key: Any) -> None:
        entity = self._get_entity_by_key(key)
        if entity is None:
            raise KeyError(key)
        self.collection.remove(entity)
        entity.session.delete(entity)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.collection)

    def keys(self) -> List[Any]:  # type: ignore[override]
        """The keys, in collection order."""
        return [entity[self.key_attribute] for entity in self.collection]

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} {dict(self.items())!r}>"


def session_key(key_maker: ftrack_api.cache.KeyMaker, obj: Any) -> str:
    """A key for ``obj`` that tells sessions apart (by their id, not their address)."""
    if isinstance(obj, dict):
        return "{" + ",".join(f"{key}={key_maker._key(obj[key])}" for key in sorted(obj)) + "}"
    session_id = getattr(obj, "_session_id", None)
    if session_id is not None:
        return f"session:{session_id}"
    name = getattr(obj, "__qualname__", None)
    if name is not None:
        return f"{getattr(obj, '__module__', '')}.{name}"
    return repr(obj)


class PerSessionDefaultKeyMaker(ftrack_api.cache.KeyMaker):
    """Keys memoised results per session: sessions see different data."""

    def _key(self, obj: Any) -> str:
        return session_key(self, obj)


#: Memoises per session, returning the cached object itself (not copies).
_session_memoiser = ftrack_api.cache.Memoiser(
    key_maker=PerSessionDefaultKeyMaker(), return_copies=False
)


def memoise_session(function: Callable) -> Callable:
    """Memoise ``function(session)`` per session."""
    return ftrack_api.cache.memoise_decorator(_session_memoiser)(function)


def _get_custom_attribute_configurations(session: Any) -> List[Any]:
    """Every custom attribute configuration (fetched once per session)."""
    return session._custom_attribute_configurations()


class CustomAttributeCollectionProxy(MappedCollectionProxy):
    """Custom attribute values keyed by their configuration's key.

    Reading a key without a stored value gives the configuration's default; setting
    one creates the value entity when needed.
    """

    def __init__(self, collection: Collection) -> None:
        super().__init__(collection)
        self.key_attribute = "configuration_id"
        self.value_attribute = "value"

    def _get_entity_configurations(self) -> List[Any]:
        """The configurations that apply to the owning entity."""
        entity = self.collection.entity
        entity_type = getattr(entity, "entity_type", "")
        kind = {"Project": "show", "AssetVersion": "assetversion", "Asset": "asset"}.get(
            entity_type, "user" if entity_type == "User" else "task"
        )
        object_type_id = entity.get("object_type_id") if kind == "task" else None
        configurations = []
        for configuration in _get_custom_attribute_configurations(entity.session):
            if configuration["entity_type"] != kind:
                continue
            if kind == "task" and configuration["object_type_id"] not in (None, object_type_id):
                continue
            configurations.append(configuration)
        return configurations

    def _get_keys(self) -> List[str]:
        return [configuration["key"] for configuration in self._get_entity_configurations()]

    def get_configuration_id_from_key(self, key: str) -> str:
        """Return the id of the configuration called ``key`` for this entity."""
        for configuration in self._get_entity_configurations():
            if configuration["key"] == key:
                return configuration["id"]
        raise KeyError(key)

    def _get_entity_by_key(self, key: str) -> Optional[Any]:
        configuration_id = self.get_configuration_id_from_key(key)
        for entity in self.collection:
            if entity[self.key_attribute] == configuration_id:
                return entity
        return None

    def __getitem__(self, key: str) -> Any:
        entity = self._get_entity_by_key(key)
        if entity is not None:
            return entity[self.value_attribute]
        for configuration in self._get_entity_configurations():
            if configuration["key"] == key:
                return configuration.get("default", NOT_SET)
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        entity = self._get_entity_by_key(key)
        if entity is None:
            owner = self.collection.entity
            session = owner.session
            entity = session.create(
                "CustomAttributeValue",
                {
                    "configuration_id": self.get_configuration_id_from_key(key),
                    "entity_id": owner["id"],
                },
            )
            self.collection.append(entity)
        entity[self.value_attribute] = value

    def __delitem__(self, key: str) -> None:
        entity = self._get_entity_by_key(key)
        if entity is None:
            raise KeyError(key)
        self.collection.remove(entity)
        entity.session.delete(entity)

    def __iter__(self) -> Iterator[str]:
        return iter(self._get_keys())

    def __len__(self) -> int:
        return len(self._get_keys())

    def __eq__(self, collection: object) -> bool:
        if not isinstance(collection, CustomAttributeCollectionProxy):
            return False
        return self.collection == collection.collection

    __hash__ = None  # type: ignore[assignment]
