"""Indexes of the generated tables: what they cover and that lookups use them."""

from __future__ import annotations

import sqlalchemy as sa

from ftrack_server.storage.database import Database
from ftrack_server.storage.tables import default_metadata


def _index_sql(database: Database, name: str) -> str:
    with database.transaction(write=False) as connection:
        return connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
            {"name": name},
        ).scalar_one()


def _plan(database: Database, statement: str) -> str:
    with database.transaction(write=False) as connection:
        rows = connection.execute(sa.text(f"EXPLAIN QUERY PLAN {statement}")).all()
    return " | ".join(row[-1] for row in rows)


def test_indexes_of_optional_references_leave_out_rows_without_one():
    database = Database("sqlite://")
    try:
        for column in ("thumbnail_id", "parent_id", "status_id"):
            sql = _index_sql(database, f"ix_context_{column}")
            assert sql.endswith(f"WHERE {column} IS NOT NULL")
    finally:
        database.dispose()


def test_lookups_by_value_and_joins_use_the_partial_indexes():
    database = Database("sqlite://")
    try:
        by_value = _plan(database, "SELECT id FROM context WHERE thumbnail_id = 'x'")
        assert "USING INDEX ix_context_thumbnail_id" in by_value
        children = _plan(
            database,
            "SELECT child.id FROM context AS child JOIN context AS parent "
            "ON child.parent_id = parent.id WHERE parent.id = 'p'",
        )
        assert "USING INDEX ix_context_parent_id" in children
    finally:
        database.dispose()


def test_key_columns_keep_a_full_index():
    for table in default_metadata().tables.values():
        for index in table.indexes:
            (column,) = index.columns
            where = index.dialect_options["sqlite"]["where"]
            assert (where is None) == (not column.nullable), (table.name, column.name)
