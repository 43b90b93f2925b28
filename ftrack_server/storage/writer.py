"""Create, update and delete entities: the write half of the API's batches.

The HTTP layer opens one transaction per request, runs each operation through one
:class:`Writer`, calls :meth:`Writer.verify` and commits. Any :class:`ApiError`
aborts the batch and the caller rolls the transaction back; the writer itself
never commits.

Work is kept per operation to what the operation needs: facts about types come from
shared :mod:`write_plan` plans, lookups are cached for the batch, and the checks that
every reference points at an existing entity are collected and run once, in
:meth:`Writer.verify`, with one query per referenced type.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.context import RequestContext
from ftrack_server.errors import DuplicateEntryError, NotFoundError, ValidationError
from ftrack_server.model import Model
from ftrack_server.model.types import Attribute, Inverse, Through
from ftrack_server.storage import changes, closure
from ftrack_server.storage.buffer import BufferedConnection, DuplicateHandler
from ftrack_server.storage.cascade import Cascade
from ftrack_server.storage.derived import Derivations, check_custom_value
from ftrack_server.storage.values import to_storage
from ftrack_server.storage.write_plan import (
    ENTITY_TYPE_KEY,
    UID_DEFAULT,
    PayloadLayout,
    TypePlan,
    matches_conditions,
    plans_for,
)

Key = Tuple[Any, ...]
# Foreign keys to check: their columns, the type whose existence verify checks and
# the (type, attribute) that messages name.
_Checks = Tuple[Tuple[Tuple[str, ...], str, Tuple[str, str]], ...]
CHUNK = closure.CHUNK
_UNKNOWN: Any = object()
_TEXT_KEY = ("string",)  # the key types of most entity types


class WriteResult(NamedTuple):
    """What a write tells the response encoder.

    ``entity_type`` is the concrete type written, ``key`` the primary key values as
    strings and ``attributes`` the attribute names the response should echo. A create
    also gives the ``row`` it inserted (stored values by column), so the response can
    be encoded without reading the row back (see :attr:`Writer.rows_as_written`).
    """

    entity_type: str
    key: Tuple[str, ...]
    attributes: Tuple[str, ...]
    row: Optional[Dict[str, Any]] = None


@dataclass
class _Data:
    """An ``entity_data`` payload read against a type."""

    __slots__ = ("collections", "columns", "layout", "raw")  # one per operation: keep it lean

    columns: Dict[str, Any]  # stored values by column
    collections: List[Tuple[Attribute, Any]]
    raw: Mapping[str, Any]
    layout: PayloadLayout  # what the payload's names are

    @property
    def given(self) -> Tuple[str, ...]:
        """The attribute names sent."""
        return self.layout.given


class Writer:
    """Runs the write operations of one batch inside the caller's transaction."""

    def __init__(self, connection: Connection, model: Model, context: RequestContext) -> None:
        if not isinstance(connection, BufferedConnection):
            connection = BufferedConnection(connection)
        self.connection = connection
        # Ancestor chains of contexts known in this batch (see closure.new_node_rows).
        self._chains = closure.Chains()
        self.model = model
        self.context = context
        self.plans = plans_for(model)
        self._plans_by_name: Dict[str, TypePlan] = {}  # of the types this batch names
        self.derived = Derivations(connection, self.plans, context)
        self.cascade = Cascade(connection, self.plans)
        # target type -> key -> (source type, attribute): references to check in verify.
        self._expected: Dict[str, Dict[Key, Tuple[str, str]]] = {}
        # change records of contexts whose ``parents`` are filled in by verify.
        self._pending_parents: List[Tuple[dict, str]] = []
        self._duplicate_handlers: Dict[str, DuplicateHandler] = {}
        # Whether an operation changed rows other than by inserting them.
        self._rewrites = False
        # (sent type, expected type) -> the expected type's plan if a reference may name
        # one for the other, else None.
        self._targets: Dict[Tuple[str, str], Optional[TypePlan]] = {}
        self._foreign_keys_cache: Dict[Tuple[str, Tuple[str, ...]], _Checks] = {}
        self._typed_context_members = set(model.types["TypedContext"].members)

    @property
    def rows_as_written(self) -> bool:
        """Whether every row this writer inserted still holds what it was inserted with.

        True while the batch only created entities (without collections): nothing
        else ran that could update or delete rows, so a created entity's response can
        be encoded from its :attr:`WriteResult.row`.
        """
        return not self._rewrites

    # -- create ----------------------------------------------------------------------

    def create(
        self, entity_type: str, entity_key: Any, entity_data: Optional[Dict[str, Any]]
    ) -> WriteResult:
        """Insert one entity; see protocol.md 4.4."""
        plan = self._plan(entity_type)
        payload = self._payload(plan, entity_data)
        data = self._read(plan, payload)
        row = self._new_row(plan, data, entity_key)
        if plan.discriminator_columns:  # the values sent may name a more specific type
            concrete = self._concrete_type(plan, row)
            if concrete != plan.name:
                plan = self.plans.plan(concrete)
                data = self._read(plan, payload)
                row = self._new_row(plan, data, entity_key)
        self.derived.apply(plan, row)
        if plan.discriminator_columns:  # derived values may name a more specific type
            plan = self.plans.plan(self._concrete_type(plan, row))
        if plan.is_custom_attribute_value:
            plan = self._custom_attribute_plan(plan, row, payload)
        self._check_required(plan, row)
        self._check_unique(plan, row)
        key = self._insert(plan, row)
        if plan.is_context:
            self._add_to_tree(row)
        # Only what the client sent needs checking: values the server derived come
        # from rows it just read (and the database's own foreign keys back this up).
        self._expect_foreign_keys(plan, data.layout.columns, row)
        if data.collections:
            self._write_collections(plan, key, data.collections)
        if self.context.record_changes:
            self._record_add(plan, key, row)
        return WriteResult(
            plan.name, _key_strings(key), plan.stored_names + data.layout.links, row
        )

    def _add_to_tree(self, row: Dict[str, Any]) -> None:
        """Queue the closure rows of a new context."""
        closure_table = self.plans.closure
        rows = closure.new_node_rows(
            self.connection, closure_table, row["id"], row.get("parent_id"), self._chains
        )
        self.connection.insert_all_later(closure_table, rows)

    def _new_row(self, plan: TypePlan, data: _Data, entity_key: Any) -> Dict[str, Any]:
        """The row to insert: ``data``'s columns (completed in place), the key, defaults
        and the values the type fixes."""
        row = data.columns
        if entity_key is not None:
            for column, value in zip(plan.key_columns, self._parse_key(plan, entity_key)):
                if row.get(column) is None:
                    row[column] = value
        for column, value in data.layout.defaults:
            if column not in row:
                row[column] = str(uuid.uuid4()) if value == UID_DEFAULT else value
        # A value's family comes from its configuration (see _custom_attribute_plan).
        fixed = {} if plan.is_custom_attribute_value else plan.fixed_values
        for column, value in fixed.items():
            sent = row.get(column)
            if sent is not None and sent != value:
                raise ValidationError(
                    f"Invalid value {sent!r} for attribute {column} of {plan.name}: "
                    f"a {plan.name} always has {value!r}."
                )
            row[column] = value
        if plan.generated_key and row.get(plan.key_columns[0]) is None:
            row[plan.key_columns[0]] = str(uuid.uuid4())
        return row

    def _concrete_type(self, plan: TypePlan, row: Dict[str, Any]) -> str:
        if not plan.discriminator_columns:
            return plan.name
        probe = {column: row.get(column) for column in plan.discriminator_columns}
        return self.model.concrete_type(plan.entity_type, probe)

    def _custom_attribute_plan(
        self, plan: TypePlan, row: Dict[str, Any], payload: Mapping[str, Any]
    ) -> TypePlan:
        """The value type a configuration's values have; the value must fit its type."""
        configuration = self.derived.configuration(row.get("configuration_id"))
        if "value" in payload:
            check_custom_value(configuration, payload["value"])
        base = self.model.types["CustomAttributeValue"]
        concrete = self.model.concrete_type(base, {"_kind": configuration.kind})
        if concrete not in plan.entity_type.members:
            raise ValidationError(
                f"Custom attribute {configuration.key} holds values of {concrete}, "
                f"not {plan.name}."
            )
        return self.plans.plan(concrete)

    def _check_required(self, plan: TypePlan, row: Dict[str, Any]) -> None:
        if None not in map(row.get, plan.required_columns):
            return  # all there: the usual case
        for name, columns in plan.required_on_create:
            for column in columns:
                if row.get(column) is None:
                    raise ValidationError(f"Required attribute {name} missing for {plan.name}.")

    def _check_unique(self, plan: TypePlan, row: Dict[str, Any]) -> None:
        if plan.name == "Timer":
            table = plan.table
            running = self.connection.execute(
                sa.select(table.c.id).where(table.c.user_id == row.get("user_id")).limit(1)
            ).first()
            if running is not None:
                raise DuplicateEntryError(
                    f"A Timer is already running for user {row.get('user_id')}."
                )

    def _insert(self, plan: TypePlan, row: Dict[str, Any]) -> Key:
        if plan.autoincrement and row.get(plan.key_columns[0]) is None:
            row.pop(plan.key_columns[0], None)
            result = self.connection.execute(plan.table.insert(), row)
            row[plan.key_columns[0]] = result.inserted_primary_key[0]
            return plan.key_of(row)
        # Inserted with the batch's other rows of the table in one statement, just
        # before anything else runs; the primary key is the only unique constraint, so
        # a clash there means the entity exists.
        self.connection.insert_later(plan.table, row, on_duplicate=self._duplicate_handler(plan))
        return plan.key_of(row)

    def _duplicate_handler(self, plan: TypePlan) -> DuplicateHandler:
        """How a clash on ``plan``'s primary key is reported (one function per type)."""
        handler = self._duplicate_handlers.get(plan.name)
        if handler is None:

            def handler(clash: Dict[str, Any], _error: Exception) -> Exception:
                return DuplicateEntryError(
                    f"Duplicate entry: a {plan.name} with key "
                    f"{_key_text(plan.key_of(clash))} already exists."
                )

            self._duplicate_handlers[plan.name] = handler
        return handler

    def _record_add(self, plan: TypePlan, key: Key, row: Dict[str, Any]) -> None:
        if plan.is_custom_attribute_value:
            configuration = self.derived.configuration(row["configuration_id"])
            entry = changes.custom_attribute(
                plan,
                row["entity_id"],
                configuration.entity_type,
                configuration.key,
                None,
                row.get("value"),
            )
        else:
            entry = changes.added(plan, key, row)
        self._add_record(plan, key, entry)

    # -- update ----------------------------------------------------------------------

    def update(
        self, entity_type: str, entity_key: Any, entity_data: Optional[Dict[str, Any]]
    ) -> WriteResult:
        """Change one entity; custom attribute values are inserted when missing."""
        self._rewrites = True
        plan = self._plan(entity_type)
        payload = self._payload(plan, entity_data)
        key = self._required_key(plan, entity_key)
        current = self._current(plan, key)
        if current is None:
            if plan.is_custom_attribute_value:
                return self._insert_custom_attribute_value(plan, key, payload)
            raise self._not_found(plan, key)
        plan = self.plans.plan(self.model.concrete_type(plan.entity_type, current))
        data = self._read(plan, payload)
        changed = {
            column: value for column, value in data.columns.items() if current[column] != value
        }
        self._check_update(plan, data, changed)
        if plan.is_custom_attribute_value and "value" in payload:
            configuration = self.derived.configuration(current["configuration_id"])
            check_custom_value(configuration, payload["value"])
        moved = plan.is_context and "parent_id" in changed
        if moved:
            self._move(plan, current, changed["parent_id"])
        if changed:
            self.connection.execute(
                plan.table.update().where(self._key_clause(plan, key)).values(changed)
            )
            self._expect_foreign_keys(plan, tuple(changed), {**current, **changed})
        self._write_collections(plan, key, data.collections)
        if changed:
            self._record_update(plan, key, current, changed, "move" if moved else "update")
        return WriteResult(plan.name, _key_strings(key), data.given)

    def _insert_custom_attribute_value(
        self, plan: TypePlan, key: Key, payload: Mapping[str, Any]
    ) -> WriteResult:
        data = dict(payload)
        for attribute, value in zip(plan.key_attributes, key):
            data.setdefault(attribute, value)
        return self.create(plan.name, list(key), data)

    def _check_update(self, plan: TypePlan, data: _Data, changed: Dict[str, Any]) -> None:
        for name in data.given:
            if name not in plan.immutable:
                continue
            if any(column in changed for column in self._columns_of(plan, name)):
                raise ValidationError(
                    f"Attribute {name} of {plan.name} is immutable and cannot be changed."
                )
        for column in changed:
            if column in plan.fixed_values:
                raise ValidationError(
                    f"Attribute {column} of {plan.name} cannot be changed: "
                    "it decides the entity type."
                )
        for name, columns in plan.required:
            if any(column in changed and changed[column] is None for column in columns):
                raise ValidationError(f"Required attribute {name} missing for {plan.name}.")

    def _move(self, plan: TypePlan, current: Mapping[str, Any], parent_id: Any) -> None:
        """Re-hang a context (and its subtree) under ``parent_id``."""
        node_id = current["id"]
        if "Project" in plan.ancestry:
            raise ValidationError(f"A Project cannot have a parent: {node_id}.")
        project_id = self.derived.project_of_parent(plan, parent_id)
        closure.move_subtree(
            self.connection, self.plans.closure, node_id, parent_id, label=plan.name
        )
        if project_id != current["project_id"]:
            contexts = self.plans.table("context")
            members = closure.subtree(self.plans.closure, node_id)
            self.connection.execute(
                contexts.update().where(contexts.c.id.in_(members)).values(project_id=project_id)
            )
        self.derived.forget_contexts()
        self._chains.clear()

    def _record_update(
        self,
        plan: TypePlan,
        key: Key,
        current: Mapping[str, Any],
        changed: Dict[str, Any],
        action: str,
    ) -> None:
        if not self.context.record_changes:
            return
        if plan.is_custom_attribute_value:
            if "value" not in changed:
                return
            configuration = self.derived.configuration(current["configuration_id"])
            entry = changes.custom_attribute(
                plan,
                current["entity_id"],
                configuration.entity_type,
                configuration.key,
                current["value"],
                changed["value"],
            )
        else:
            entry = changes.updated(plan, key, current, changed, action)
        self._add_record(plan, key, entry)

    # -- delete ----------------------------------------------------------------------

    def delete(self, entity_type: str, entity_key: Any) -> None:
        """Delete one entity and everything it owns (``overlay.CASCADES``)."""
        self._rewrites = True
        plan = self._plan(entity_type)
        key = self._required_key(plan, entity_key)
        current = self._current(plan, key)
        if current is None:
            raise self._not_found(plan, key)
        plan = self.plans.plan(self.model.concrete_type(plan.entity_type, current))
        entry = None
        if self.context.record_changes:
            entry = changes.record(plan, "remove", key, current, {})
            if plan.is_context:
                changes.fill_parents(self.connection, self.plans, [(entry, key[0])])
        self.cascade.delete(plan, key)
        if plan.is_context:
            self.derived.forget_contexts()
            self._chains.clear()
        if entry is not None:
            self.context.changes.append(entry)

    # -- verify ----------------------------------------------------------------------

    def flush(self) -> None:
        """Write queued inserts now (they are otherwise written before the next statement)."""
        self.connection.flush()

    def verify(self) -> None:
        """End-of-batch checks, run once before commit.

        Every reference set in this batch must point at an existing entity of the
        referenced type (one query per referenced type). Required values are checked
        as each operation runs. Also completes the ``parents`` of change records.
        """
        self.connection.flush()
        expected, self._expected = self._expected, {}
        for target, keys in expected.items():
            plan = self.plans.plan(target)
            found = self._existing(plan, list(keys))
            for key, (source, attribute) in keys.items():
                if key not in found:
                    raise ValidationError(
                        f"Invalid reference: {source}.{attribute} points at {target} "
                        f"{_key_text(key)} which does not exist."
                    )
        pending, self._pending_parents = self._pending_parents, []
        changes.fill_parents(self.connection, self.plans, pending)

    def _existing(self, plan: TypePlan, keys: List[Key]) -> set:
        table = plan.table
        key_columns = [table.c[column] for column in plan.key_columns]
        condition_columns = [table.c[column] for column, _value in plan.entity_type.conditions]
        found = set()
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            query = sa.select(*key_columns, *condition_columns).where(_matches(key_columns, chunk))
            for row in self.connection.execute(query):
                mapping = row._mapping
                if matches_conditions(plan.entity_type, mapping):
                    found.add(tuple(mapping[column] for column in plan.key_columns))
        return found

    def _expect(self, target: str, key: Key, source: str, attribute: str) -> None:
        target = self._checked_type(target)
        self._expected.setdefault(target, {}).setdefault(key, (source, attribute))

    def _checked_type(self, target: str) -> str:
        """The type whose existence verify checks for a reference to a ``target``."""
        if target in self._typed_context_members:
            # Schemas say ``Task`` where any TypedContext is meant (a version's task,
            # list items): existence as a TypedContext is what can be checked.
            return "TypedContext"
        return target

    def _expect_foreign_keys(
        self, plan: TypePlan, written: Tuple[str, ...], row: Mapping[str, Any]
    ) -> None:
        """Remember the foreign keys among ``written`` columns for verify."""
        expected = self._expected
        for columns, target, source in self._foreign_keys_among(plan, written):
            if len(columns) == 1:  # most keys; quicker than a tuple of a map
                values: Key = (row.get(columns[0]),)
            else:
                values = tuple(map(row.get, columns))
            if None not in values:
                keys = expected.get(target)
                if keys is None:
                    keys = expected[target] = {}
                keys.setdefault(values, source)

    def _foreign_keys_among(self, plan: TypePlan, columns: Tuple[str, ...]) -> _Checks:
        """The foreign keys of ``plan`` that use any of ``columns``, each with the type
        verify checks, in declaration order (messages name the first broken one).
        Cached: a batch's creates of one type mostly send the same columns."""
        found = self._foreign_keys_cache.get((plan.name, columns))
        if found is None:
            positions = plan.foreign_key_positions
            chosen = sorted(
                {position for column in columns for position in positions.get(column, ())}
            )
            keys = [plan.foreign_keys[position] for position in chosen]
            found = tuple(
                (key.columns, self._checked_type(key.target), (plan.name, key.attribute))
                for key in keys
            )
            self._foreign_keys_cache[(plan.name, columns)] = found
        return found

    # -- reading payloads ------------------------------------------------------------

    def _plan(self, entity_type: str) -> TypePlan:
        plan = self._plans_by_name.get(entity_type)
        if plan is None:
            if entity_type not in self.model.types:
                raise ValidationError(f"Unknown entity type {entity_type}.")
            plan = self._plans_by_name[entity_type] = self.plans.plan(entity_type)
        return plan

    def _payload(self, plan: TypePlan, entity_data: Any) -> Mapping[str, Any]:
        if entity_data is None:
            return {}
        if not isinstance(entity_data, dict):
            raise ValidationError(f"Invalid entity data for {plan.name}: expected an object.")
        sent_type = entity_data.get(ENTITY_TYPE_KEY)
        if sent_type is not None and sent_type != plan.name:
            sent = self.model.types.get(sent_type)
            if sent is None or (
                sent_type not in plan.entity_type.members and plan.name not in sent.members
            ):
                raise ValidationError(
                    f"Entity data of type {sent_type} does not fit entity type {plan.name}."
                )
        return entity_data

    def _read(self, plan: TypePlan, payload: Mapping[str, Any]) -> _Data:
        """Convert a payload to stored columns; collections are kept for later."""
        layout = plan.layout(tuple(payload))
        columns: Dict[str, Any] = {}
        for name, column, data_type in layout.scalars:
            value = payload[name]
            if type(value) is not str or data_type != "string":  # else nothing to convert
                value = self._convert(plan, name, value, data_type)
            columns[column] = value
        if layout.refused is not None:
            raise ValidationError(layout.refused)
        # References win over scalar foreign keys sent alongside them.
        for name, foreign_key in layout.references:
            values = self._reference_key(plan, name, foreign_key.target, payload[name])
            if values is None:
                values = (None,) * len(foreign_key.columns)
            columns.update(zip(foreign_key.columns, values))
        collections = []
        for name, attribute in layout.collections:
            collections.append((attribute, payload[name]))
        return _Data(columns, collections, payload, layout)

    def _convert(self, plan: TypePlan, name: str, value: Any, data_type: str) -> Any:
        try:
            return to_storage(value, data_type)
        except ValueError as error:
            raise ValidationError(
                f"Invalid value {value!r} for attribute {name} of {plan.name}: {error}."
            )

    def _reference_key(self, plan: TypePlan, name: str, target: str, value: Any) -> Optional[Key]:
        """The key an entity reference (``{"__entity_type__": T, <key>}``) names."""
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValidationError(
                f"Invalid value {value!r} for attribute {name} of {plan.name}: "
                "expected an entity reference."
            )
        sent_type = value.get(ENTITY_TYPE_KEY) or target
        target_plan = self._reference_target(sent_type, target)
        if target_plan is None:
            raise ValidationError(
                f"Invalid value for attribute {name} of {plan.name}: "
                f"a {sent_type} is not a {target}."
            )
        key = []
        for attribute, data_type in zip(target_plan.key_attributes, target_plan.key_types):
            if attribute not in value:
                raise ValidationError(
                    f"Invalid value for attribute {name} of {plan.name}: "
                    f"the reference lacks {attribute}."
                )
            key.append(self._convert(target_plan, attribute, value[attribute], data_type))
        return tuple(key)

    def _reference_target(self, sent_type: str, target: str) -> Optional[TypePlan]:
        """The plan of ``target`` if a reference to a ``sent_type`` may stand for one.

        Subtypes and bases fit, and so does any type stored alongside the target:
        schemas name ``Task`` for items that may be any TypedContext (list items).
        """
        key = (sent_type, target)
        found = self._targets.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            fits = self._type_fits(sent_type, target)
            found = self._targets[key] = self.plans.plan(target) if fits else None
        return found

    def _type_fits(self, sent_type: str, target: str) -> bool:
        sent = self.model.types.get(sent_type)
        if sent is None:
            return False
        target_type = self.model.types[target]
        return (
            sent_type in target_type.members
            or target in sent.members
            or sent.table == target_type.table
        )

    def _parse_key(self, plan: TypePlan, entity_key: Any) -> Key:
        values = [entity_key] if isinstance(entity_key, (str, int)) else entity_key
        if not isinstance(values, (list, tuple)) or len(values) != len(plan.key_columns):
            raise ValidationError(
                f"Invalid entity key {entity_key!r} for {plan.name}: expected "
                f"{', '.join(plan.key_attributes)}."
            )
        if type(values[0]) is str and plan.key_types == _TEXT_KEY:
            return (values[0],)  # most keys: nothing to convert
        return tuple(
            self._convert(plan, attribute, value, data_type)
            for attribute, value, data_type in zip(plan.key_attributes, values, plan.key_types)
        )

    def _required_key(self, plan: TypePlan, entity_key: Any) -> Key:
        if entity_key is None:
            raise ValidationError(f"Missing entity key for {plan.name}.")
        key = self._parse_key(plan, entity_key)
        if None in key:
            raise ValidationError(f"Invalid entity key {entity_key!r} for {plan.name}.")
        return key

    def _columns_of(self, plan: TypePlan, name: str) -> Tuple[str, ...]:
        if name in plan.scalars:
            return (plan.scalars[name].column,)
        if name in plan.references:
            return plan.references[name].columns
        return ()

    # -- rows ------------------------------------------------------------------------

    def _key_clause(self, plan: TypePlan, key: Key) -> sa.ColumnElement:
        return sa.and_(
            *(plan.table.c[column] == value for column, value in zip(plan.key_columns, key))
        )

    def _select(self, plan: TypePlan, key: Key, columns: Sequence[Any]) -> Optional[sa.Row]:
        query = sa.select(*columns).where(self._key_clause(plan, key))
        return self.connection.execute(query).first()

    def _current(self, plan: TypePlan, key: Key) -> Optional[Mapping[str, Any]]:
        """The stored row of ``key`` when it is an entity of ``plan``'s type."""
        row = self._select(plan, key, [plan.table])
        if row is None or not matches_conditions(plan.entity_type, row._mapping):
            return None
        return row._mapping

    def _not_found(self, plan: TypePlan, key: Key) -> NotFoundError:
        return NotFoundError(f"{plan.name} with key {_key_text(key)} does not exist.")

    # -- collections -----------------------------------------------------------------

    def _write_collections(
        self, plan: TypePlan, key: Key, collections: List[Tuple[Attribute, Any]]
    ) -> None:
        for attribute, items in collections:
            self._rewrites = True  # other rows (items, links) change
            if not isinstance(items, list):
                raise ValidationError(
                    f"Invalid value for attribute {attribute.name} of {plan.name}: "
                    "expected a list of entity references."
                )
            item_keys = [
                self._reference_key(plan, attribute.name, attribute.target, item) for item in items
            ]
            if None in item_keys:
                raise ValidationError(
                    f"Invalid value for attribute {attribute.name} of {plan.name}: "
                    "null in a collection."
                )
            item_keys = list(dict.fromkeys(item_keys))
            relation = attribute.relation
            if isinstance(relation, Inverse):
                self._set_owner(plan, key, attribute, relation, item_keys)
            elif isinstance(relation, Through):
                self._replace_links(plan, key, attribute, relation, item_keys)
            else:
                raise ValidationError(f"Attribute {attribute.name} of {plan.name} cannot be set.")

    def _set_owner(
        self,
        plan: TypePlan,
        key: Key,
        attribute: Attribute,
        relation: Inverse,
        item_keys: List[Key],
    ) -> None:
        """One-to-many: make each listed item point at this entity (others stay)."""
        item = self.plans.plan(attribute.target)
        owner = dict(zip(relation.columns, key))
        if set(relation.columns) <= set(item.key_columns):
            # Items keyed by their owner (metadata, custom attribute values) already
            # belong to it; they cannot be moved to another one.
            for item_key in item_keys:
                values = dict(zip(item.key_columns, item_key))
                if any(values[column] != value for column, value in owner.items()):
                    raise ValidationError(
                        f"Invalid value for attribute {attribute.name} of {plan.name}: "
                        f"{attribute.target} {_key_text(item_key)} belongs to another entity."
                    )
            return
        if item.is_context and relation.columns == ("parent_id",):
            for item_key in item_keys:  # moves keep the context tree in step
                self.update(attribute.target, list(item_key), {"parent_id": key[0]})
            return
        values = {**owner, **dict(relation.where)}
        key_columns = [item.table.c[column] for column in item.key_columns]
        count = 0
        for start in range(0, len(item_keys), CHUNK):
            chunk = item_keys[start : start + CHUNK]
            result = self.connection.execute(
                item.table.update().where(_matches(key_columns, chunk)).values(values)
            )
            count += result.rowcount
        if count != len(item_keys):
            missing = set(item_keys) - self._existing(item, item_keys)
            raise ValidationError(
                f"Invalid reference: {plan.name}.{attribute.name} lists {attribute.target} "
                f"{_key_text(sorted(missing, key=repr)[0])} which does not exist."
            )

    def _replace_links(
        self,
        plan: TypePlan,
        key: Key,
        attribute: Attribute,
        relation: Through,
        item_keys: List[Key],
    ) -> None:
        """Many-to-many: the link rows become exactly the listed items."""
        link = self.plans.table(relation.table)
        local, remote = link.c[relation.local], link.c[relation.remote]
        owner = key[0]
        current = set(self.connection.execute(sa.select(remote).where(local == owner)).scalars())
        wanted = [item_key[0] for item_key in item_keys]
        dropped = current - set(wanted)
        if dropped:
            self.connection.execute(
                link.delete().where(local == owner, remote.in_(sorted(dropped, key=repr)))
            )
        added = [value for value in wanted if value not in current]
        if not added:
            return
        needs_id = "id" in link.c and link.c.id.primary_key
        rows = []
        for value in added:
            row = {relation.local: owner, relation.remote: value}
            if needs_id:
                row["id"] = str(uuid.uuid4())
            rows.append(row)
            self._expect(attribute.target, (value,), plan.name, attribute.name)
        self.connection.execute(link.insert(), rows)

    # -- change records --------------------------------------------------------------

    def _add_record(self, plan: TypePlan, key: Key, entry: dict) -> None:
        self.context.changes.append(entry)
        if plan.is_context:
            self._pending_parents.append((entry, key[0]))


def _matches(columns: Sequence[Any], keys: Sequence[Key]) -> sa.ColumnElement:
    if len(columns) == 1:
        return columns[0].in_([key[0] for key in keys])
    return sa.tuple_(*columns).in_([tuple(key) for key in keys])


def _key_strings(key: Key) -> Tuple[str, ...]:
    """``key``'s values as text (most keys are text already)."""
    for part in key:
        if type(part) is not str:
            return tuple(map(str, key))
    return key


def _key_text(key: Key) -> str:
    return ", ".join(str(value) for value in key)
