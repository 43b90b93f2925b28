"""Compact per-entity storage: remote values by shape, and the identity map by type.

A 10k-row query keeps 10k entities alive, so what each one costs is what a session
costs. A dictionary per entity for its remote values would be the largest part of it;
instead, entities that hold the same attribute names share one :class:`Shape` (name
-> position) and keep only a list of values (:class:`RemoteValues`). The identity map
keys entities by primary key inside one dictionary per entity type
(:class:`IdentityMap`), so no key tuple is kept per entity.
"""

from __future__ import annotations

import collections.abc
import threading
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Tuple

from ftrack_api.cache import MemoryCache
from ftrack_api.symbol import NOT_SET

__all__ = ["IdentityMap", "IdentityMapCache", "RemoteValues", "Shape", "shape_of"]

Identity = Tuple[str, Tuple[str, ...]]


class Shape(dict):
    """Attribute name -> position in a :class:`RemoteValues`, shared and never changed.

    Adding a name gives another shared shape (:meth:`extended`), so entities that
    gain the same attributes in the same order keep sharing.
    """

    __slots__ = ("_extensions",)

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__((name, position) for position, name in enumerate(names))
        self._extensions: Dict[str, Shape] = {}

    def extended(self, name: str) -> Shape:
        """The shared shape with ``name`` added after these names."""
        shape = self._extensions.get(name)
        if shape is None:
            shape = self._extensions.setdefault(name, shape_of((*self, name)))
        return shape

    # Shapes are shared by identity; never compare or hash them by content.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


_shapes: Dict[Tuple[str, ...], Shape] = {}
_shapes_lock = threading.Lock()


def shape_of(names: Tuple[str, ...]) -> Shape:
    """The one shared shape for ``names`` in this order."""
    shape = _shapes.get(names)
    if shape is None:
        with _shapes_lock:
            shape = _shapes.get(names)
            if shape is None:
                shape = _shapes[names] = Shape(names)
    return shape


EMPTY_SHAPE = shape_of(())


class RemoteValues(list):
    """An entity's values as last known from the server, keyed through a shared shape.

    It is a list only to stay small (a list of values and one slot for the shape, no
    hash table per entity); use it through the mapping-like methods here. A value
    removed leaves :data:`~ftrack_api.symbol.NOT_SET` in its position. Positions are
    only ever added, so a reader in another thread never indexes past the end; to
    replace everything, give the entity a new object instead.
    """

    __slots__ = ("shape",)

    def __init__(self, values: Iterable[Any] = (), shape: Shape = EMPTY_SHAPE) -> None:
        super().__init__(values)
        self.shape = shape

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> RemoteValues:
        """Values of ``mapping`` (name -> value), in its order."""
        return cls(mapping.values(), shape_of(tuple(mapping)))

    def get(self, name: str, default: Any = NOT_SET) -> Any:
        """The value of ``name``, or ``default`` when none is set."""
        position = self.shape.get(name)
        if position is None:
            return default
        value = self[position]
        return default if value is NOT_SET else value

    def has(self, name: str) -> bool:
        """Whether ``name`` has a value."""
        position = self.shape.get(name)
        return position is not None and self[position] is not NOT_SET

    def set(self, name: str, value: Any) -> None:
        """Set ``name`` to ``value`` (NOT_SET removes it)."""
        position = self.shape.get(name)
        if position is not None:
            self[position] = value
        elif value is not NOT_SET:
            # Value first, then the shape that names it: a reader in another thread
            # never sees a position without its value.
            self.append(value)
            self.shape = self.shape.extended(name)

    def discard(self, name: str) -> None:
        """Remove the value of ``name`` if it has one."""
        self.set(name, NOT_SET)

    def items(self) -> List[Tuple[str, Any]]:
        """(name, value) for every name with a value, in the order they were added."""
        return [
            (name, self[position])
            for name, position in self.shape.items()
            if self[position] is not NOT_SET
        ]

    def names(self) -> List[str]:
        """The names with a value."""
        return [name for name, _value in self.items()]

    def copy(self) -> RemoteValues:  # type: ignore[override]
        """An independent copy sharing the shape."""
        return RemoteValues(self, self.shape)

    def as_dict(self) -> Dict[str, Any]:
        """A plain dictionary of the values (a copy)."""
        return dict(self.items())

    def clear(self) -> None:
        """Remove every value (positions stay, so concurrent readers never miss one)."""
        for position in range(len(self)):
            self[position] = NOT_SET

    def __repr__(self) -> str:
        return f"RemoteValues({self.as_dict()!r})"


def _table_key(key: Tuple[str, ...]) -> Any:
    """How a primary key is kept in a per-type table: the text alone when single."""
    return key[0] if len(key) == 1 else tuple(key)


def _identity_key(stored: Any) -> Tuple[str, ...]:
    return (stored,) if stored.__class__ is str else stored


class IdentityMap(collections.abc.MutableMapping):
    """A session's entities by identity ``(entity type, primary key tuple)``.

    Stored as one dictionary per entity type keyed by the primary key (its text when
    the key has one part, the tuple otherwise), so no tuple is kept per entity and
    decoding can look entities up by the key text it already has (:meth:`table`).
    """

    __slots__ = ("tables",)

    def __init__(self) -> None:
        #: entity type -> {primary key -> entity}; read directly on hot paths.
        self.tables: Dict[str, Dict[Any, Any]] = {}

    def table(self, entity_type: str) -> Dict[Any, Any]:
        """The dictionary of ``entity_type``'s entities by primary key (made if new)."""
        table = self.tables.get(entity_type)
        if table is None:
            table = self.tables.setdefault(entity_type, {})
        return table

    def get(self, identity: Identity, default: Any = None) -> Any:  # type: ignore[override]
        table = self.tables.get(identity[0])
        if table is None:
            return default
        return table.get(_table_key(identity[1]), default)

    def __getitem__(self, identity: Identity) -> Any:
        entity = self.get(identity, NOT_SET)
        if entity is NOT_SET:
            raise KeyError(identity)
        return entity

    def __setitem__(self, identity: Identity, entity: Any) -> None:
        self.table(identity[0])[_table_key(identity[1])] = entity

    def __delitem__(self, identity: Identity) -> None:
        table = self.tables.get(identity[0])
        if table is None:
            raise KeyError(identity)
        try:
            del table[_table_key(identity[1])]
        except KeyError:
            raise KeyError(identity) from None

    def __iter__(self) -> Iterator[Identity]:
        for entity_type, table in list(self.tables.items()):
            for stored in list(table):
                yield (entity_type, _identity_key(stored))

    def __len__(self) -> int:
        return sum(len(table) for table in list(self.tables.values()))

    def clear(self) -> None:
        self.tables.clear()

    def with_key(self, key: Tuple[str, ...]) -> Iterator[Any]:
        """Entities of any type whose primary key is ``key``."""
        stored = _table_key(key)
        for table in list(self.tables.values()):
            entity = table.get(stored)
            if entity is not None:
                yield entity


class IdentityMapCache(MemoryCache):
    """The session's memory cache layer: its identity map, keyed by identity."""

    def __init__(self) -> None:
        super().__init__()
        self._cache = IdentityMap()
