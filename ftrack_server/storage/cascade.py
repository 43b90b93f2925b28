"""Deleting entities together with what they own.

``overlay.CASCADES`` names, per type, the collections deleted with an entity; items
are deleted recursively (a Project takes its whole tree, assets, versions,
components, notes, metadata, custom attribute values ...). ``Through`` collections
only lose their link rows. Rows whose primary key holds a foreign key to a deleted
row (``NoteComponent``, ``SchemaStatus``) go too; other references to deleted rows
are cleared (an AssetVersion's ``task_id`` when its Task goes), so the deferred
foreign keys hold at commit.

The work is done level by level: each level collects the keys of the next one with
one statement per relation and deletes its own rows with one statement per table,
so the number of statements depends on the shape of the model, not on the number
of rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.errors import ValidationError
from ftrack_server.model import overlay
from ftrack_server.model.types import Inverse, Through
from ftrack_server.storage import closure
from ftrack_server.storage.write_plan import TypePlan, WritePlans

CHUNK = closure.CHUNK
Key = Tuple[Any, ...]


@dataclass(frozen=True)
class Step:
    """One owned collection of a type: ``relation`` leads to items of ``item_type``."""

    attribute: str
    relation: Any  # Inverse | Through
    item_type: str


@dataclass(frozen=True)
class Dependent:
    """Rows of ``table`` whose ``columns`` hold keys of another table."""

    table: str
    columns: Tuple[str, ...]
    in_primary_key: bool  # the rows cannot outlive their target: delete them
    root_type: str


class Cascade:
    """Deletes within one transaction; see the module docstring."""

    def __init__(self, connection: Connection, plans: WritePlans) -> None:
        self.connection = connection
        self.plans = plans

    def delete(self, plan: TypePlan, key: Key) -> Dict[str, Set[Key]]:
        """Delete the entity ``key`` of ``plan``'s type and everything it owns.

        Returns the deleted keys by table. Raises ValidationError when a delete guard
        (``overlay.DELETE_GUARDS``) refuses one of the entities.
        """
        level: Dict[str, Set[Key]] = {plan.name: {key}}
        deleted: Dict[str, Set[Key]] = {}
        while level:
            self._check_guards(level)
            following: Dict[str, Set[Key]] = {}
            self._owned(level, following)
            by_table: Dict[str, Set[Key]] = {}
            for type_name, keys in level.items():
                by_table.setdefault(self.plans.plan(type_name).table.name, set()).update(keys)
            for table_name, keys in by_table.items():
                self._dependents_to_delete(table_name, keys, following)
            for table_name, keys in by_table.items():
                self._delete_rows(table_name, keys)
                deleted.setdefault(table_name, set()).update(keys)
            level = {}
            for type_name, keys in following.items():
                remaining = keys - deleted.get(self.plans.plan(type_name).table.name, set())
                if remaining:
                    level[type_name] = remaining
        for table_name, keys in deleted.items():
            self._clear_references(table_name, keys)
        return deleted

    # -- one level -------------------------------------------------------------------

    def _check_guards(self, level: Dict[str, Set[Key]]) -> None:
        for type_name, keys in level.items():
            for step in guards(self.plans, type_name):
                item = self.plans.plan(step.item_type)
                columns = [item.table.c[column] for column in step.relation.columns]
                for chunk in _chunks(sorted(keys, key=repr)):
                    found = self.connection.execute(
                        sa.select(*columns).where(_matches(columns, chunk)).limit(1)
                    ).first()
                    if found is not None:
                        raise ValidationError(
                            f"Cannot delete {type_name} {_key_text(tuple(found))}: "
                            f"its {step.attribute} is not empty."
                        )

    def _owned(self, level: Dict[str, Set[Key]], following: Dict[str, Set[Key]]) -> None:
        by_step: Dict[Step, Set[Key]] = {}
        for type_name, keys in level.items():
            for step in steps(self.plans, type_name):
                by_step.setdefault(step, set()).update(keys)
        for step, keys in by_step.items():
            if isinstance(step.relation, Through):
                link = self.plans.table(step.relation.table)
                for chunk in _chunks(list(keys)):
                    self.connection.execute(
                        link.delete().where(_matches([link.c[step.relation.local]], chunk))
                    )
            else:
                self._collect(step.item_type, step.relation, keys, following)

    def _collect(
        self, item_type: str, relation: Inverse, keys: Set[Key], following: Dict[str, Set[Key]]
    ) -> None:
        item = self.plans.plan(item_type)
        table = item.table
        columns = [table.c[column] for column in relation.columns]
        selected = [table.c[column] for column in item.key_columns]
        selected += [table.c[column] for column in item.discriminator_columns]
        fixed = [table.c[column] == value for column, value in relation.where]
        model = self.plans.model
        for chunk in _chunks(list(keys)):
            query = sa.select(*selected).where(_matches(columns, chunk), *fixed)
            for row in self.connection.execute(query):
                mapping = row._mapping
                concrete = model.concrete_type(item.entity_type, mapping)
                key = tuple(mapping[column] for column in item.key_columns)
                following.setdefault(concrete, set()).add(key)

    def _dependents_to_delete(
        self, table_name: str, keys: Set[Key], following: Dict[str, Set[Key]]
    ) -> None:
        for dependent in dependents(self.plans, table_name):
            if dependent.in_primary_key:
                relation = Inverse(dependent.columns)
                self._collect(dependent.root_type, relation, keys, following)

    def _delete_rows(self, table_name: str, keys: Set[Key]) -> None:
        table = self.plans.table(table_name)
        root = self.plans.plan(_root_types(self.plans)[table_name])
        key_columns = [table.c[column] for column in root.key_columns]
        for chunk in _chunks(list(keys)):
            self.connection.execute(table.delete().where(_matches(key_columns, chunk)))
        if table_name == "context":
            closure.remove_nodes(self.connection, self.plans.closure, [key[0] for key in keys])

    def _clear_references(self, table_name: str, keys: Set[Key]) -> None:
        for dependent in dependents(self.plans, table_name):
            if dependent.in_primary_key:
                continue
            source = self.plans.table(dependent.table)
            columns = [source.c[column] for column in dependent.columns]
            cleared = dict.fromkeys(dependent.columns)
            for chunk in _chunks(list(keys)):
                self.connection.execute(
                    source.update().where(_matches(columns, chunk)).values(cleared)
                )


# -- what cascades, worked out once per model ------------------------------------------


@functools.cache
def steps(plans: WritePlans, type_name: str) -> Tuple[Step, ...]:
    """The owned collections deleted with an entity of ``type_name``."""
    plan = plans.plan(type_name)
    names: List[str] = list(overlay.CASCADES.get("*", ()))
    for ancestor in plan.ancestry:
        names.extend(overlay.CASCADES.get(ancestor, ()))
    found = []
    for name in dict.fromkeys(names):
        attribute = plan.entity_type.attributes.get(name)
        if attribute is None or not isinstance(attribute.relation, (Inverse, Through)):
            continue
        found.append(Step(name, attribute.relation, attribute.target))
    return tuple(found)


@functools.cache
def guards(plans: WritePlans, type_name: str) -> Tuple[Step, ...]:
    """Collections that must be empty before an entity of ``type_name`` may go."""
    plan = plans.plan(type_name)
    found = []
    for ancestor in plan.ancestry:
        name = overlay.DELETE_GUARDS.get(ancestor)
        attribute = plan.entity_type.attributes.get(name) if name else None
        if attribute is not None and isinstance(attribute.relation, Inverse):
            found.append(Step(name, attribute.relation, attribute.target))
    return tuple(found)


@functools.cache
def dependents(plans: WritePlans, table_name: str) -> Tuple[Dependent, ...]:
    """Declared foreign keys of other rows pointing into ``table_name``."""
    roots = _root_types(plans)
    found = []
    for table in plans.metadata.tables.values():
        for constraint in table.foreign_key_constraints:
            if constraint.referred_table.name != table_name or table.name not in roots:
                continue
            # Local columns in the order of the target's key, like the deleted keys.
            target_key = plans.plan(roots[table_name]).key_columns
            pairs = sorted(
                constraint.elements, key=lambda element: target_key.index(element.column.name)
            )
            columns = tuple(element.parent.name for element in pairs)
            in_key = any(table.c[column].primary_key for column in columns)
            found.append(Dependent(table.name, columns, in_key, roots[table.name]))
    return tuple(sorted(found, key=lambda dependent: (dependent.table, dependent.columns)))


@functools.cache
def _root_types(plans: WritePlans) -> Dict[str, str]:
    """For each entity table, the type that sees all its rows (the widest one)."""
    roots: Dict[str, str] = {}
    for name, entity_type in sorted(plans.model.types.items()):
        if entity_type.conditions:
            continue
        current = roots.get(entity_type.table)
        if current is None or len(entity_type.members) > len(plans.model.types[current].members):
            roots[entity_type.table] = name
    return roots


# -- helpers ---------------------------------------------------------------------------


def _chunks(keys: Sequence[Key]) -> Iterable[Sequence[Key]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


def _matches(columns: Sequence[sa.ColumnElement], keys: Sequence[Key]) -> sa.ColumnElement:
    """``columns IN keys`` for one column or a column tuple."""
    if len(columns) == 1:
        return columns[0].in_([key[0] for key in keys])
    return sa.tuple_(*columns).in_([tuple(key) for key in keys])


def _key_text(key: Key) -> str:
    return ", ".join(str(value) for value in key)
