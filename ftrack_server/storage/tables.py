"""SQLAlchemy tables generated from the entity model.

One table per storage family (see ``model.overlay``), plus link tables and the
context closure. Columns use client attribute names; values are stored as:
strings as text, ``variable`` and ``json`` values as JSON text, date-times as
naive UTC at whole seconds. Foreign keys are declared deferred so that one batch
may create entities in any order, and are checked when the batch commits.
"""

from __future__ import annotations

import functools
from typing import Dict, Set, Tuple

import sqlalchemy as sa

from ftrack_server.model import Model, load_model
from ftrack_server.model.types import ForeignKey, Inverse, Through

COLUMN_TYPES = {
    "string": sa.Text,
    "integer": sa.Integer,
    "number": sa.Float,
    "boolean": sa.Boolean,
    "datetime": sa.DateTime,
    "json": sa.Text,
    "variable": sa.Text,
}

# Internal bookkeeping tables that are not part of the entity model.
API_KEY_TABLE = "_api_key"
UPLOAD_TABLE = "_upload"


def build_metadata(model: Model) -> sa.MetaData:
    """Return a MetaData holding every table the model needs."""
    metadata = sa.MetaData()
    foreign_keys, indexed = _relations(model)
    for table in model.tables.values():
        columns = []
        indexes = []
        for name, data_type in table.columns.items():
            is_key = name in table.primary_key
            column_type = COLUMN_TYPES[data_type]()
            if is_key and table.autoincrement:
                column_type = sa.Integer()
            column = sa.Column(
                name,
                column_type,
                primary_key=is_key,
                autoincrement=bool(is_key and table.autoincrement),
                nullable=not is_key,
            )
            columns.append(column)
            if name in indexed.get(table.name, ()) and not _leads_key(name, table):
                indexes.append(_index(table.name, column))
        constraints = [
            sa.ForeignKeyConstraint(
                list(local),
                [f"{target}.{column}" for column in remote],
                deferrable=True,
                initially="DEFERRED",
                name=f"fk_{table.name}_{'_'.join(local)}",
            )
            for (local, target, remote) in sorted(foreign_keys.get(table.name, ()))
        ]
        sa.Table(table.name, metadata, *columns, *constraints, *indexes)
    sa.Table(
        API_KEY_TABLE,
        metadata,
        sa.Column("key_hash", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    return metadata


def _index(table_name: str, column: sa.Column) -> sa.Index:
    """The index of a lookup column; on a nullable column, of its non-null rows only.

    Most of these columns are optional references (a context's thumbnail, disk or
    schema): rows without one would fill the index with entries no lookup uses, and
    each insert would pay for them. Lookups by value (``= ?``, joins, the database's
    own foreign key checks) imply ``IS NOT NULL``, so they still use the index.
    """
    name = f"ix_{table_name}_{column.name}"
    if column.primary_key:
        return sa.Index(name, column)
    present = column.isnot(None)
    return sa.Index(name, column, sqlite_where=present, postgresql_where=present)


def _leads_key(column: str, table) -> bool:
    """Whether the primary key's own index already serves lookups by ``column``."""
    return bool(table.primary_key) and table.primary_key[0] == column


def _relations(model: Model) -> Tuple[Dict[str, Set], Dict[str, Set[str]]]:
    """Collect declared foreign keys and the columns worth an index, per table."""
    foreign_keys: Dict[str, Set] = {}
    indexed: Dict[str, Set[str]] = {}
    for entity_type in model.types.values():
        for attribute in entity_type.attributes.values():
            relation = attribute.relation
            if isinstance(relation, ForeignKey):
                target = model.types[attribute.target]
                table = model.tables[entity_type.table]
                if not all(column in table.columns for column in relation.columns):
                    continue
                target_table = model.tables[target.table]
                if tuple(relation.target_columns) != tuple(target_table.primary_key):
                    continue
                foreign_keys.setdefault(entity_type.table, set()).add(
                    (tuple(relation.columns), target.table, tuple(relation.target_columns))
                )
                indexed.setdefault(entity_type.table, set()).update(relation.columns)
            elif isinstance(relation, Inverse):
                item = model.types[attribute.target]
                indexed.setdefault(item.table, set()).update(relation.columns)
            elif isinstance(relation, Through):
                indexed.setdefault(relation.table, set()).update((relation.local, relation.remote))
    # Discriminator columns hold a handful of values: an index on them would slow every
    # insert and tempt the planner away from selective indexes (project_id, parent_id).
    for entity_type in model.types.values():
        for column, _value in entity_type.conditions:
            indexed.get(entity_type.table, set()).discard(column)
    indexed.setdefault("context_closure", set()).update(("ancestor_id", "descendant_id"))
    # Polymorphic columns (``status_change.parent_id``, custom attribute link ends) hold
    # keys of several tables: no single foreign key can describe them.
    for table_name, keys in foreign_keys.items():
        targets: Dict[Tuple[str, ...], Set[str]] = {}
        for local, target, _remote in keys:
            targets.setdefault(local, set()).add(target)
        foreign_keys[table_name] = {key for key in keys if len(targets[key[0]]) == 1}
    return foreign_keys, indexed


@functools.cache
def default_metadata() -> sa.MetaData:
    """The tables for the bundled model (built once per process)."""
    return build_metadata(load_model())
