"""The base of every entity class; the classes themselves are built from the schemas.

An entity is a mapping of attribute names to values. Its class (built by
:mod:`ftrack_api.entity.factory`) holds the attribute objects; the instance holds
only its session, its remote values (a compact :class:`~ftrack_api._storage.RemoteValues`)
and, once it has any, a dictionary of local values.
"""

from __future__ import annotations

import abc
import collections.abc
import logging
import types
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import ftrack_api.attribute
import ftrack_api.exception
import ftrack_api.inspection
import ftrack_api.operation
import ftrack_api.symbol
from ftrack_api._storage import EMPTY_SHAPE, RemoteValues, Shape
from ftrack_api.logging import LazyLogMessage as L
from ftrack_api.symbol import NOT_SET

__all__ = ["DynamicEntityTypeMetaclass", "Entity", "L"]


class DynamicEntityTypeMetaclass(abc.ABCMeta):
    """The metaclass of entity classes; only changes how classes print."""

    def __init__(cls, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any]) -> None:
        super().__init__(name, bases, namespace)
        #: Per class: names of decoded data -> how to store them (see _shape_plan).
        cls._shape_plans: Dict[Tuple[str, ...], Tuple[Shape, Any, Tuple[int, ...]]] = {}
        #: Per class: (shape, names of decoded data) -> how to merge them (see _merge_plan).
        cls._merge_plans: Dict[Tuple[Shape, Tuple[str, ...]], Tuple[Shape, Any, Any]] = {}

    def __repr__(cls) -> str:
        return f"<dynamic ftrack class '{cls.__name__}'>"


class _EntityBase:
    """Marks entity classes; mixins for entity types derive from it."""

    __slots__ = ()

    #: A cheap marker tested on hot paths instead of ``isinstance`` against an ABC.
    _ftrack_entity = True


class Entity(_EntityBase, collections.abc.MutableMapping, metaclass=DynamicEntityTypeMetaclass):
    """An ftrack entity: a mapping of attribute names to values in one session."""

    entity_type = "Entity"
    attributes: Optional[ftrack_api.attribute.Attributes] = None
    primary_key_attributes: Optional[List[str]] = None
    default_projections: Optional[List[str]] = None
    logger = logging.getLogger(__name__ + ".Entity")

    # Every entity has a session and remote values; anything else an instance sets
    # (local values, the new flag, attributes of mixins or user code) goes in a
    # ``__dict__`` that Python only creates when first written.
    __slots__ = ("__dict__", "__weakref__", "_remote", "session")

    # Defaults read on hot paths; instances only store what differs. Most entities
    # never get a local value: they share this empty read-only mapping until then.
    _local: Mapping[str, Any] = types.MappingProxyType({})
    _new = False
    _constructing = False
    _ignore_data_keys = ("__entity_type__",)
    _attribute_index: Dict[str, Any] = {}
    _repeated_values: frozenset = frozenset()

    def __init__(
        self, session: Any, data: Optional[Dict[str, Any]] = None, reconstructing: bool = False
    ) -> None:
        self.session = session
        self._remote = RemoteValues()
        if data is None:
            data = {}
        if reconstructing:
            self._reconstruct(data)
        else:
            self._construct(data)

    # -- construction --------------------------------------------------------------------

    def _construct(self, data: Dict[str, Any]) -> None:
        """Set defaults and ``data`` as local values of a new entity; record its creation.

        Scalars go into the create operation; references and collections are set
        afterwards as updates, so that operations on related new entities (created by
        collection creators, say) come after this entity's creation.
        """
        self._new = True
        self._constructing = True
        relational: List[Tuple[Any, Any]] = []
        session = self.session
        try:
            with session.operation_recording(False):
                for attribute in self.attributes:
                    if attribute.name in data:
                        continue
                    default = attribute.default_value
                    if callable(default):
                        default = default(self)
                    if default is not NOT_SET:
                        attribute.set_local_value(self, default)
                for name, value in data.items():
                    if name in self._ignore_data_keys:
                        continue
                    attribute = self.attributes.get(name)
                    if attribute is None:
                        self.logger.debug(
                            L("Ignoring unknown attribute {0!r} for {1}.", name, self.entity_type)
                        )
                        continue
                    if isinstance(
                        attribute,
                        (
                            ftrack_api.attribute.ReferenceAttribute,
                            ftrack_api.attribute.AbstractCollectionAttribute,
                        ),
                    ):
                        relational.append((attribute, value))
                    else:
                        attribute.set_local_value(self, value)
            if session.record_operations:
                entity_data = {
                    name: value for name, value in self._local.items() if value is not NOT_SET
                }
                session.recorded_operations.push(
                    ftrack_api.operation.CreateEntityOperation(
                        self.entity_type, ftrack_api.inspection.primary_key(self), entity_data
                    )
                )
            for attribute, value in relational:
                attribute.set_local_value(self, value)
        finally:
            del self._constructing

    def _reconstruct(self, data: Dict[str, Any]) -> None:
        """Fill remote values from ``data`` (an entity as the server sent it)."""
        for name, value in data.items():
            if name in self._ignore_data_keys:
                continue
            attribute = self.attributes.get(name)
            if attribute is None:
                self.logger.debug(
                    L("Ignoring unknown attribute {0!r} for {1}.", name, self.entity_type)
                )
                continue
            attribute.set_remote_value(self, value)

    @classmethod
    def _shape_plan(cls, names: Tuple[str, ...]) -> Tuple[Shape, Any, Tuple[int, ...]]:
        """How to store decoded data with ``names`` as remote values (made once per names).

        Returns the shape of the names this type knows, the positions of those names
        in ``names`` (None when all are known) and the positions of repeated texts
        (foreign keys, kinds), interned so that 10k entities share one copy of each.
        """
        shape, positions, repeated = cls._merge_plan(EMPTY_SHAPE, names)
        known = tuple(index for index, position in enumerate(positions) if position is not None)
        plan = (shape, None if len(known) == len(names) else known, repeated)
        cls._shape_plans[names] = plan
        return plan

    @classmethod
    def _merge_plan(
        cls, shape: Shape, names: Tuple[str, ...]
    ) -> Tuple[Shape, Tuple[Optional[int], ...], Tuple[int, ...]]:
        """How to merge decoded data with ``names`` into remote values of ``shape``.

        Returns the shape after the merge, each name's position (None for names this
        type doesn't know) and the positions of repeated texts to intern.
        """
        merged = shape
        positions: List[Optional[int]] = []
        for name in names:
            if name not in cls._attribute_index:
                positions.append(None)
                continue
            position = merged.get(name)
            if position is None:
                merged = merged.extended(name)
                position = merged[name]
            positions.append(position)
        repeated = tuple(
            position
            for position, name in zip(positions, names)
            if position is not None and name in cls._repeated_values
        )
        plan = (merged, tuple(positions), repeated)
        cls._merge_plans[shape, names] = plan
        return plan

    # -- mapping interface ---------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        attribute = self.attributes.get(key)
        if attribute is None:
            raise KeyError(key)
        return attribute.get_value(self)

    def __setitem__(self, key: str, value: Any) -> None:
        attribute = self.attributes.get(key)
        if attribute is None:
            raise KeyError(key)
        attribute.set_local_value(self, value)

    def __delitem__(self, key: str) -> None:
        attribute = self.attributes.get(key)
        if attribute is None:
            raise KeyError(key)
        attribute.set_local_value(self, NOT_SET)

    def __iter__(self) -> Iterator[str]:
        for attribute in self.attributes:
            yield attribute.name

    def __len__(self) -> int:
        return len(self.attributes)

    def values(self) -> List[Any]:  # type: ignore[override]
        """Every attribute's value (fetching unset ones when auto-populating)."""
        return [self[name] for name in self]

    def items(self) -> List[Tuple[str, Any]]:  # type: ignore[override]
        """(name, value) for every attribute (fetching unset ones when auto-populating)."""
        return [(name, self[name]) for name in self]

    def clear(self) -> None:
        """Forget local (uncommitted) values, keeping what the server said."""
        if self._local.__class__ is dict:
            del self._local

    def _writable_local(self) -> Dict[str, Any]:
        """This entity's own dictionary of local values (made on first write)."""
        local = self._local
        if local.__class__ is not dict:
            local = self._local = {}
        return local

    # -- identity ------------------------------------------------------------------------

    def _identity(self) -> Tuple[str, Tuple[str, ...]]:
        return (
            self.entity_type,
            tuple(str(self._quiet_value(name)) for name in self.primary_key_attributes),
        )

    def _quiet_value(self, name: str) -> Any:
        """The local or remote value of ``name``, never fetching it."""
        value = self._local.get(name, NOT_SET)
        if value is NOT_SET:
            value = self._remote.get(name, NOT_SET)
        return value

    def __eq__(self, other: object) -> bool:
        if not getattr(other, "_ftrack_entity", False):
            return False
        try:
            return self._identity() == other._identity()  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._identity())

    def __copy__(self) -> Entity:
        # Entities are identities: copying one (e.g. when an operation records a value)
        # gives back the same object.
        return self

    def __deepcopy__(self, memo: Dict[int, Any]) -> Entity:
        return self

    def __repr__(self) -> str:
        return f"<dynamic ftrack {self.__class__.__name__} object {id(self)}>"

    def __str__(self) -> str:
        with self.session.auto_populating(False):
            primary_key = ftrack_api.inspection.primary_key(self)
        return "<{}({})>".format(self.__class__.__name__, ", ".join(primary_key.values()))

    # -- merging -------------------------------------------------------------------------

    def merge(self, entity: Any, merged: Optional[Dict[int, Any]] = None) -> List[Dict[str, Any]]:
        """Take ``entity``'s values into this entity; return what changed.

        Local values of ``entity`` become local values here (recorded as changes when
        recording is on), remote values become remote values. Entities inside the
        values are merged into this session first.
        """
        if merged is None:
            merged = {}
        session = self.session
        changes: List[Dict[str, Any]] = []
        for other in entity.attributes:
            attribute = self.attributes.get(other.name)
            if attribute is None:
                continue
            for kind, getter, setter in (
                ("local", attribute.get_local_value, attribute.set_local_value),
                ("remote", attribute.get_remote_value, attribute.set_remote_value),
            ):
                incoming = (other.get_local_value if kind == "local" else other.get_remote_value)(
                    entity
                )
                if incoming is NOT_SET:
                    continue
                current = getter(self)
                if incoming is current:
                    continue
                value = session.merge(incoming, merged=merged)
                setter(self, value)
                changes.append(
                    {
                        "type": f"{kind}_attribute",
                        "name": attribute.name,
                        "old_value": current,
                        "new_value": value,
                    }
                )
        return changes

    def _populate_unset_scalar_attributes(self, extra: Optional[str] = None) -> None:
        """Fetch every scalar attribute without a value in one query."""
        names = [
            attribute.name
            for attribute in self.attributes
            if isinstance(attribute, ftrack_api.attribute.ScalarAttribute)
            and not attribute.is_set(self)
            and (not attribute.computed or attribute.name == extra)
        ]
        if extra and extra not in names and not self.attributes.get(extra).is_set(self):
            names.append(extra)
        if names:
            self.session.populate([self], ", ".join(names))
