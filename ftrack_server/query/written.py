"""Encode just-created entities from the rows the writer inserted, as a read-back would.

A batch of creates answers with every new entity: its stored attributes and the
references it was given. Reading a thousand new rows back costs a statement over
all their keys and converting every value again, while the writer still holds those
very values. :func:`encode_written` encodes them with the plan ``load_entities``
would run (the same attributes, order and conversions); the entities they reference
are loaded, one statement per referenced type.

It answers None, and the caller reads the rows back, whenever the rows in hand might
not say exactly what the database would: an attribute that is computed, collected
from other rows or read from another table, a reference that is not a plain foreign
key, or a value of another Python type than its column gives back (the database
would convert it).
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import AbstractSet, Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.model import Model
from ftrack_server.model.types import EntityType, ForeignKey
from ftrack_server.query.loader import Plan, load_entities, plan_for_keys

Row = Dict[str, Any]
Key = Tuple[Any, ...]

# What each column type gives back when read, checked before a value is echoed as is.
_READ_TYPES: Tuple[Tuple[type, type], ...] = (
    (sa.Boolean, bool),
    (sa.DateTime, _dt.datetime),
    (sa.Float, float),
    (sa.Integer, int),
    (sa.Text, str),
)


# Key types whose encoded value is the stored value.
_PLAIN_KEYS = frozenset({"string", "integer"})


class _Scalar(NamedTuple):
    """A stored attribute: where the row holds it and how it goes on the wire."""

    name: str
    column: str
    read_type: type
    # Whether a value of ``read_type`` reads back as it is (None: any does).
    reads_back: Optional[Callable[[Any], bool]]
    convert: Optional[Callable[[Any], Any]]


@dataclass(frozen=True)
class _Reference:
    """A reference held in the row's own columns, to an entity of ``target``."""

    name: str
    columns: Tuple[str, ...]
    target: str


@dataclass(frozen=True)
class _Recipe:
    """How to encode a row of one concrete type."""

    entity_type: str
    scalars: Tuple[_Scalar, ...]
    references: Tuple[_Reference, ...]


def encode_written(
    connection: Connection,
    model: Model,
    type_name: str,
    rows: Sequence[Row],
    projections: Sequence[str],
    context: Any,
    keep_nulls: Optional[Sequence[Optional[AbstractSet[str]]]] = None,
) -> Optional[List[Dict[str, Any]]]:
    """Encode ``rows`` of ``type_name`` with ``projections`` like ``load_entities``.

    ``rows`` map column names to the values inserted (a column left out is null).
    Returns the entities in the order of ``rows``, or None when the rows in hand cannot
    be encoded exactly (the caller then reads them back). With ``keep_nulls``, the
    entity of ``rows[i]`` leaves out null attributes not named in ``keep_nulls[i]``
    (when that is not None).
    """
    entity_type = model.types.get(type_name)
    if entity_type is None:
        return None
    plan = plan_for_keys(model, entity_type, tuple(projections))
    if plan.written is None:
        plan.written = _Encoder(model, plan)
    encoder: _Encoder = plan.written
    entities = []
    pending: List[Tuple[Dict[str, Any], _Recipe, Row, Optional[AbstractSet[str]]]] = []
    kept_lists = keep_nulls if keep_nulls is not None else [None] * len(rows)
    converted = _Conversions()
    for row, kept in zip(rows, kept_lists):
        recipe = encoder.recipe(row)
        entity = None if recipe is None else _encode_scalars(recipe, row, kept, converted)
        if entity is None:
            return None
        entities.append(entity)
        if recipe.references:
            pending.append((entity, recipe, row, kept))
    _add_references(connection, model, pending, context)
    return entities


# -- recipes ---------------------------------------------------------------------------------


class _Encoder:
    """The recipes of one plan: built once, per concrete type, on first use."""

    def __init__(self, model: Model, plan: Plan) -> None:
        self.model = model
        self.plan = plan
        root = plan.levels[0]
        alias = root.scope.alias
        # Positions of the root statement holding plain columns of the root table.
        self.columns = {
            position: source[1]
            for position, source in enumerate(root.columns.sources)
            if isinstance(source, tuple) and len(source) == 2 and source[0] is alias
        }
        entity = root.entity
        self.declared = entity.declared
        # What rows of the declared type hold (a row without it would not be read).
        self.conditions = model.types[entity.declared].conditions
        self.discriminators = [
            (parent, self.columns.get(position), mapping)
            for parent, position, mapping in entity.discriminators
        ]
        self.recipes: Dict[str, Optional[_Recipe]] = {}

    def recipe(self, row: Row) -> Optional[_Recipe]:
        """The recipe of ``row``'s concrete type (None: it cannot be encoded in hand)."""
        if self.conditions and not self._is_declared_type(row):
            return None
        type_name = self._concrete_type(row) if self.discriminators else self.declared
        if type_name is None:
            return None
        if type_name not in self.recipes:
            self.recipes[type_name] = self._build(type_name)
        return self.recipes[type_name]

    def _is_declared_type(self, row: Row) -> bool:
        for column, value in self.conditions:
            actual = row.get(column)
            matches = actual in value if isinstance(value, tuple) else actual == value
            if not matches:
                return False
        return True

    def _concrete_type(self, row: Row) -> Optional[str]:
        """The type a row would be read as (None: a classifier is not a plain column)."""
        current = self.declared
        for parent, column, mapping in self.discriminators:
            if current != parent:
                break
            if column is None:
                return None
            child = mapping.get(row.get(column))
            if child is None:
                break
            current = child
        return current

    def _build(self, type_name: str) -> Optional[_Recipe]:
        entity = self.plan.levels[0].entity
        emitters = entity.by_type.get(type_name) or entity.by_type[entity.declared]
        if emitters.collections or emitters.row_rules or emitters.links:
            return None
        table = self.plan.levels[0].scope.alias
        scalars = []
        for name, position, convert in emitters.scalars:
            column = self.columns.get(position)
            read_type = None if column is None else _read_type(table.c[column].type)
            if read_type is None:
                return None
            reads_back = _READS_BACK.get(read_type)
            scalars.append(_Scalar(name, column, read_type, reads_back, convert))
        member = self.model.types[emitters.type_name]
        references = []
        for name, target_plan in emitters.references:
            reference = _plain_reference(self.model, member, name, target_plan)
            if reference is None:
                return None
            references.append(reference)
        return _Recipe(type_name, tuple(scalars), tuple(references))


def _read_type(column_type: Any) -> Optional[type]:
    for sql_type, python_type in _READ_TYPES:
        if isinstance(column_type, sql_type):
            return python_type
    return None


def _plain_reference(
    model: Model, member: EntityType, name: str, target_plan: Any
) -> Optional[_Reference]:
    """A reference by the row's own columns to a target's key, projected bare."""
    attribute = member.attributes.get(name)
    relation = None if attribute is None else attribute.relation
    if not isinstance(relation, ForeignKey):
        return None
    for emitters in target_plan.by_type.values():
        if emitters.references or emitters.collections or emitters.row_rules or emitters.links:
            return None
    target = model.types[target_plan.declared]
    key_columns = tuple(_column_of(target, name) for name in target.primary_key)
    if tuple(relation.target_columns) != key_columns:
        return None
    # Loaded entities are matched by their key as encoded: plain values only.
    if any(target.attributes[name].data_type not in _PLAIN_KEYS for name in target.primary_key):
        return None
    return _Reference(name, tuple(relation.columns), target.name)


def _column_of(entity_type: EntityType, name: str) -> str:
    attribute = entity_type.attributes.get(name)
    return attribute.column if attribute is not None and attribute.column else name


# -- encoding --------------------------------------------------------------------------------


def _encode_scalars(
    recipe: _Recipe, row: Row, kept: Optional[AbstractSet[str]], converted: _Conversions
) -> Optional[Dict[str, Any]]:
    """The entity without its references, or None if a value would not read back as is.

    Null attributes are left out unless ``kept`` is None or names them.
    """
    entity: Dict[str, Any] = {"__entity_type__": recipe.entity_type}
    get = row.get
    for name, column, read_type, reads_back, convert in recipe.scalars:
        value = get(column)
        if value is None:
            if kept is None or name in kept:
                entity[name] = None
            continue
        if type(value) is not read_type or (reads_back is not None and not reads_back(value)):
            return None
        entity[name] = value if convert is None else converted.wire(column, convert, value)
    return entity


class _Conversions:
    """The wire forms of the values converted for one answer.

    Rows of one batch share values (their creation time, as one object): a value that
    is the very object converted last for its column is converted once, and entities
    share its wire form (as they share the entities they reference).
    """

    def __init__(self) -> None:
        self._last: Dict[str, Tuple[Any, Callable[[Any], Any], Any]] = {}

    def wire(self, column: str, convert: Callable[[Any], Any], value: Any) -> Any:
        last = self._last.get(column)
        if last is not None and last[0] is value and last[1] is convert:
            return last[2]
        wire = convert(value)
        self._last[column] = (value, convert, wire)
        return wire


def _float_reads_back(value: float) -> bool:
    """False for NaN (SQLite stores null) and -0.0 (it comes back as 0.0)."""
    return value == value and not (value == 0.0 and math.copysign(1.0, value) < 0)


def _datetime_reads_back(value: _dt.datetime) -> bool:
    """False for an aware date-time (stored ones are naive UTC)."""
    return value.tzinfo is None


# Value checks of the read types whose values may not read back as they are.
_READS_BACK: Dict[type, Callable[[Any], bool]] = {
    float: _float_reads_back,
    _dt.datetime: _datetime_reads_back,
}


def _reference_key(reference: _Reference, row: Row) -> Optional[Key]:
    columns = reference.columns
    if len(columns) == 1:  # most keys; quicker than a tuple of a map
        value = row.get(columns[0])
        return None if value is None else (value,)
    key = tuple(map(row.get, columns))
    return None if None in key else key


def _add_references(
    connection: Connection,
    model: Model,
    pending: Sequence[Tuple[Dict[str, Any], _Recipe, Row, Optional[AbstractSet[str]]]],
    context: Any,
) -> None:
    """Set the references of ``pending`` entities, loading one statement per type.

    A null reference is left out unless the entity's kept names are None or name it.
    """
    # Each reference to set, with the key it holds (worked out once).
    keyed = [
        (entity, reference, _reference_key(reference, row), kept)
        for entity, recipe, row, kept in pending
        for reference in recipe.references
    ]
    wanted: Dict[str, Dict[Key, None]] = {}
    for _entity, reference, key, _kept in keyed:
        if key is not None:
            wanted.setdefault(reference.target, {})[key] = None
    found: Dict[str, Dict[Key, Dict[str, Any]]] = {}
    for target, keys in wanted.items():
        primary_key = model.types[target].primary_key
        entities = load_entities(connection, model, target, list(keys), (), context)
        found[target] = {tuple(item[name] for name in primary_key): item for item in entities}
    for entity, reference, key, kept in keyed:
        value = None if key is None else found[reference.target].get(key)
        if value is not None or kept is None or reference.name in kept:
            entity[reference.name] = value
