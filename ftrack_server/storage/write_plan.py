"""Per-type facts the writers need, worked out once per process.

A create of a hundred Tasks should not walk the schema a hundred times: everything
a write needs to know about a type (its table, key columns, stored scalars,
foreign keys, defaults, required and immutable attributes) is gathered here once
and shared by every :class:`~ftrack_server.storage.writer.Writer`. So is how payloads
sending a given sequence of names are read (:class:`PayloadLayout`), and the lookup
statements writers run (:meth:`WritePlans.statement`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, NamedTuple, Optional, Tuple

import sqlalchemy as sa

from ftrack_server.model import Model, load_model
from ftrack_server.model.types import NO_DEFAULT, Attribute, EntityType, ForeignKey, Kind
from ftrack_server.storage import derived
from ftrack_server.storage.tables import build_metadata, default_metadata
from ftrack_server.storage.values import to_storage

UID_DEFAULT = "{uid}"
ENTITY_TYPE_KEY = "__entity_type__"
# Payload layouts kept per type: clients choose which names they send, so the number
# of sequences is theirs to vary; a batch's creates of one type mostly share one.
LAYOUTS_PER_TYPE = 64


@dataclass(frozen=True)
class ForeignKeyPlan:
    """A reference held in local columns: ``attribute`` names it in messages."""

    attribute: str
    columns: Tuple[str, ...]
    target: str
    target_columns: Tuple[str, ...]


class PayloadLayout(NamedTuple):
    """How payloads sending one sequence of names are read against a type.

    Worked out once per type and sequence of names (see :meth:`TypePlan.layout`), so
    reading a payload only converts its values. Names are in the payload's order.
    """

    scalars: Tuple[Tuple[str, str, str], ...]  # (name, column, data type) of stored scalars
    refused: Optional[str]  # why the first name that cannot be set is refused
    references: Tuple[Tuple[str, ForeignKeyPlan], ...]  # (name, foreign key)
    collections: Tuple[Tuple[str, Attribute], ...]  # (name, attribute)
    given: Tuple[str, ...]  # the names sent, less ``__entity_type__``
    links: Tuple[str, ...]  # the names sent of references and collections
    columns: Tuple[str, ...]  # the columns the payload sets, in the order they are set
    defaults: Tuple[Tuple[str, Any], ...]  # the type's defaults of other columns


@dataclass
class TypePlan:
    """What writing one entity type involves."""

    name: str
    entity_type: EntityType
    table: sa.Table
    key_attributes: Tuple[str, ...]
    key_columns: Tuple[str, ...]
    key_types: Tuple[str, ...]
    autoincrement: bool
    generated_key: bool  # a single string key the server may generate
    scalars: Dict[str, Attribute]  # stored scalars by attribute name (aliases included)
    stored_names: Tuple[str, ...]  # attribute names echoed after a create
    references: Dict[str, ForeignKeyPlan]  # references held in this table's columns
    foreign_keys: Tuple[ForeignKeyPlan, ...]  # distinct column groups that are foreign keys
    defaults: Tuple[Tuple[str, Any], ...]  # (column, stored value or UID_DEFAULT)
    fixed_values: Dict[str, Any]
    discriminator_columns: Tuple[str, ...]
    required: Tuple[Tuple[str, Tuple[str, ...]], ...]  # (attribute, columns)
    required_on_create: Tuple[Tuple[str, Tuple[str, ...]], ...]  # less a key the db generates
    immutable: FrozenSet[str]
    ancestry: Tuple[str, ...]  # this type and its bases, most specific first
    legacy_name: str  # ``entityType`` of change records
    is_context: bool
    is_custom_attribute_value: bool
    column_types: Dict[str, str] = field(default_factory=dict)
    key_lookup: Any = None  # select of the key column by ``key_<n>`` parameters
    # Settable stored scalars: attribute name -> (column, data type). Reading a payload
    # looks each sent name up here first, as most of what clients send is scalars.
    settable_scalars: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    # Column -> positions in ``foreign_keys`` of the keys it is part of, so a write
    # looks only at the foreign keys among the columns it wrote.
    foreign_key_positions: Dict[str, Tuple[int, ...]] = field(default_factory=dict)
    # Every column of ``required_on_create`` (a quick check before the one by name).
    required_columns: Tuple[str, ...] = ()
    _layouts: Dict[Tuple[Any, ...], PayloadLayout] = field(
        default_factory=dict, repr=False, compare=False
    )

    def key_of(self, values: Dict[str, Any]) -> Tuple[Any, ...]:
        columns = self.key_columns
        if len(columns) == 1:  # most keys; quicker than a tuple of a map
            return (values.get(columns[0]),)
        return tuple(map(values.get, columns))

    def layout(self, names: Tuple[Any, ...]) -> PayloadLayout:
        """The layout of payloads sending ``names`` (shared by threads, bounded)."""
        layout = self._layouts.get(names)
        if layout is None:
            layout = _build_layout(self, names)
            if len(self._layouts) >= LAYOUTS_PER_TYPE:
                self._layouts.clear()
            self._layouts[names] = layout
        return layout


def _build_layout(plan: TypePlan, names: Tuple[Any, ...]) -> PayloadLayout:
    """Sort ``names`` as reading a payload needs them; stop at one that is refused."""
    scalars: List[Tuple[str, str, str]] = []
    references: List[Tuple[str, ForeignKeyPlan]] = []
    collections: List[Tuple[str, Attribute]] = []
    given: List[str] = []
    links: List[str] = []
    refused = None
    for name in names:
        scalar = plan.settable_scalars.get(name)
        if scalar is not None:  # stored scalars: most of what clients send
            scalars.append((name, *scalar))
            given.append(name)
            continue
        if name == ENTITY_TYPE_KEY:
            continue
        refused = _refusal(plan, name)
        if refused is not None:
            break
        given.append(name)
        links.append(name)
        attribute = plan.entity_type.attributes[name]
        if _is_held_reference(plan, name, attribute):
            references.append((name, plan.references[name]))
        else:
            collections.append((name, attribute))
    columns = tuple(
        dict.fromkeys(
            [column for _name, column, _type in scalars]
            + [column for _name, reference in references for column in reference.columns]
        )
    )
    return PayloadLayout(
        scalars=tuple(scalars),
        refused=refused,
        references=tuple(references),
        collections=tuple(collections),
        given=tuple(given),
        links=tuple(links),
        columns=columns,
        defaults=tuple(
            (column, value) for column, value in plan.defaults if column not in columns
        ),
    )


def _refusal(plan: TypePlan, name: Any) -> Optional[str]:
    """Why ``name``, not a settable scalar, cannot be set (None: it is a reference
    held in the type's columns, or a collection)."""
    attribute = plan.entity_type.attributes.get(name)
    if attribute is None:
        return f"Unknown attribute {name} for {plan.name}."
    if attribute.computed:
        return f"Attribute {name} of {plan.name} is computed and cannot be set."
    if _is_held_reference(plan, name, attribute) or attribute.is_collection:
        return None
    return f"Attribute {name} of {plan.name} cannot be set."


def _is_held_reference(plan: TypePlan, name: Any, attribute: Attribute) -> bool:
    """Whether ``name`` sets a reference held in the type's own columns."""
    return attribute.kind is Kind.REFERENCE and name in plan.references


class WritePlans:
    """Plans of every type of one model, built on first use."""

    def __init__(self, model: Model, metadata: sa.MetaData) -> None:
        self.model = model
        self.metadata = metadata
        self.closure = metadata.tables["context_closure"]
        self._plans: Dict[str, TypePlan] = {}
        self._lock = threading.Lock()
        self._statements: Dict[str, Any] = {}

    def plan(self, type_name: str) -> TypePlan:
        plan = self._plans.get(type_name)
        if plan is None:
            with self._lock:
                plan = self._plans.get(type_name)
                if plan is None:
                    plan = self._build(self.model.types[type_name])
                    self._plans[type_name] = plan
        return plan

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    def statement(self, name: str, build: Callable[[], Any]) -> Any:
        """The statement ``name``, made by ``build()`` once per model.

        Running one statement object again costs a fraction of building an equal one:
        SQLAlchemy works out a statement's cache key once per object. ``name`` stands
        for what ``build`` makes, values being bound parameters.
        """
        found = self._statements.get(name)
        if found is None:
            found = self._statements[name] = build()
        return found

    # -- building --------------------------------------------------------------------

    def _ancestry(self, entity_type: EntityType) -> Tuple[str, ...]:
        chain = [entity_type.name]
        while self.model.types[chain[-1]].base:
            chain.append(self.model.types[chain[-1]].base)
        return tuple(chain)

    def _build(self, entity_type: EntityType) -> TypePlan:
        model = self.model
        table = self.metadata.tables[entity_type.table]
        storage = model.tables[entity_type.table]
        ancestry = self._ancestry(entity_type)
        scalars = {
            name: attribute
            for name, attribute in entity_type.attributes.items()
            if attribute.is_stored
        }
        key_columns = tuple(scalars[name].column for name in entity_type.primary_key)
        key_types = tuple(scalars[name].data_type for name in entity_type.primary_key)
        references = self._references(entity_type, storage.columns)
        foreign_keys = {}
        for reference in references.values():
            foreign_keys.setdefault(reference.columns, reference)
        required = self._required(entity_type, scalars, references, ancestry)
        required_on_create = tuple(
            (name, columns)
            for name, columns in required
            if not (storage.autoincrement and columns == key_columns)
        )
        return TypePlan(
            name=entity_type.name,
            entity_type=entity_type,
            table=table,
            key_attributes=entity_type.primary_key,
            key_columns=key_columns,
            key_types=key_types,
            autoincrement=storage.autoincrement,
            generated_key=(
                len(key_columns) == 1 and key_types[0] == "string" and not storage.autoincrement
            ),
            scalars=scalars,
            stored_names=tuple(scalars),
            references=references,
            foreign_keys=tuple(foreign_keys.values()),
            defaults=self._defaults(entity_type, scalars, ancestry),
            fixed_values=dict(entity_type.fixed_values),
            discriminator_columns=tuple(
                dict.fromkeys(column for _parent, column, _map in entity_type.discriminators)
            ),
            required=required,
            required_on_create=required_on_create,
            immutable=frozenset(entity_type.schema.get("immutable", ())),
            ancestry=ancestry,
            legacy_name=legacy_name(entity_type),
            is_context=entity_type.table == "context",
            is_custom_attribute_value=entity_type.table == "custom_attribute_value",
            column_types=dict(storage.columns),
            key_lookup=sa.select(table.c[key_columns[0]]).where(
                *(
                    table.c[column] == sa.bindparam(f"key_{index}")
                    for index, column in enumerate(key_columns)
                )
            ),
            settable_scalars={
                name: (attribute.column, attribute.data_type)
                for name, attribute in scalars.items()
                if not attribute.computed
            },
            foreign_key_positions=_positions_by_column(tuple(foreign_keys.values())),
            required_columns=tuple(
                column for _name, columns in required_on_create for column in columns
            ),
        )

    def _references(
        self, entity_type: EntityType, columns: Dict[str, str]
    ) -> Dict[str, ForeignKeyPlan]:
        references = {}
        for name, attribute in entity_type.attributes.items():
            relation = attribute.relation
            if not isinstance(relation, ForeignKey) or attribute.computed:
                continue
            if not all(column in columns for column in relation.columns):
                continue
            references[name] = ForeignKeyPlan(
                name, tuple(relation.columns), attribute.target, tuple(relation.target_columns)
            )
        return references

    @staticmethod
    def _defaults(
        entity_type: EntityType, scalars: Dict[str, Attribute], ancestry: Tuple[str, ...]
    ) -> Tuple[Tuple[str, Any], ...]:
        defaults: Dict[str, Any] = {}
        for attribute in scalars.values():
            if attribute.default is NO_DEFAULT or attribute.default is None:
                continue
            if attribute.default == UID_DEFAULT:
                defaults.setdefault(attribute.column, UID_DEFAULT)
            else:
                defaults.setdefault(
                    attribute.column, to_storage(attribute.default, attribute.data_type)
                )
        for type_name in reversed(ancestry):
            for column, value in derived.SERVER_DEFAULTS.get(type_name, {}).items():
                defaults.setdefault(column, value)
        return tuple(defaults.items())

    @staticmethod
    def _required(
        entity_type: EntityType,
        scalars: Dict[str, Attribute],
        references: Dict[str, ForeignKeyPlan],
        ancestry: Tuple[str, ...],
    ) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        lenient = set()
        for type_name in ancestry:
            lenient.update(derived.DERIVED_WHEN_POSSIBLE.get(type_name, ()))
        required: Dict[Tuple[str, ...], str] = {}
        for name in entity_type.schema.get("required", ()):
            if name in lenient:
                continue
            if name in scalars:
                required.setdefault((scalars[name].column,), name)
            elif name in references:
                required.setdefault(references[name].columns, name)
        return tuple((name, columns) for columns, name in required.items())


def _positions_by_column(foreign_keys: Tuple[ForeignKeyPlan, ...]) -> Dict[str, Tuple[int, ...]]:
    """Each column mapped to the positions of the foreign keys that include it."""
    found: Dict[str, Tuple[int, ...]] = {}
    for position, foreign_key in enumerate(foreign_keys):
        for column in foreign_key.columns:
            found[column] = (*found.get(column, ()), position)
    return found


def legacy_name(entity_type: EntityType) -> str:
    """The storage name ``ftrack.update`` events call ``entityType`` (``task``, ``show``)."""
    alias = entity_type.schema.get("alias_for")
    if isinstance(alias, str):
        return alias.lower()
    if isinstance(alias, dict):
        return str(alias["id"]).lower()
    return entity_type.name.lower()


_PLANS: Dict[int, Tuple[Model, WritePlans]] = {}
_PLANS_LOCK = threading.Lock()


def plans_for(model: Model) -> WritePlans:
    """The shared plans of ``model`` (the bundled model uses the bundled tables)."""
    entry = _PLANS.get(id(model))
    if entry is None or entry[0] is not model:
        with _PLANS_LOCK:
            entry = _PLANS.get(id(model))
            if entry is None or entry[0] is not model:
                metadata = default_metadata() if model is load_model() else build_metadata(model)
                entry = (model, WritePlans(model, metadata))
                _PLANS[id(model)] = entry
    return entry[1]


def matches_conditions(entity_type: EntityType, row: Any) -> bool:
    """Whether a row (mapping) belongs to ``entity_type`` within its table."""
    for column, value in entity_type.conditions:
        actual = row[column]
        if isinstance(value, tuple):
            if actual not in value:
                return False
        elif actual != value:
            return False
    return True
