"""Queued inserts are written before anything reads, and clashes are explained."""

import datetime

import pytest
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql.psycopg2

from ftrack_server.errors import DuplicateEntryError
from ftrack_server.storage.buffer import BufferedConnection, DriverInsert
from ftrack_server.storage.database import Database


def _duplicate(row, _error):
    return DuplicateEntryError(f"duplicate {row['id']}")


@pytest.fixture
def database():
    database = Database()
    yield database
    database.dispose()


def test_reads_see_queued_rows(database):
    states = database.table("status_state")
    with database.transaction() as raw:
        connection = BufferedConnection(raw)
        connection.insert_later(states, {"id": "a", "name": "A", "short": "A"})
        connection.insert_later(states, {"id": "b", "name": "B"})  # another column set
        names = connection.execute(sa.select(states.c.name).order_by(states.c.id)).scalars()
        assert list(names) == ["A", "B"]


def test_rows_are_written_in_one_statement_per_column_set(database):
    states = database.table("status_state")
    statements = []
    sa.event.listen(
        database.engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    with database.transaction() as raw:
        connection = BufferedConnection(raw)
        for index in range(50):
            connection.insert_later(states, {"id": str(index), "name": "n", "short": "s"})
        connection.flush()
    inserts = [statement for statement in statements if statement.startswith("INSERT")]
    assert len(inserts) == 1


@pytest.mark.parametrize("existing", [True, False])
def test_a_clash_names_the_key(database, existing):
    states = database.table("status_state")
    if existing:
        with database.transaction() as raw:
            raw.execute(states.insert().values(id="x", name="old"))
    with pytest.raises(DuplicateEntryError, match="duplicate x"), database.transaction() as raw:
        connection = BufferedConnection(raw)
        connection.insert_later(states, {"id": "y", "name": "new"}, on_duplicate=_duplicate)
        connection.insert_later(states, {"id": "x", "name": "new"}, on_duplicate=_duplicate)
        if not existing:
            connection.insert_later(states, {"id": "x", "name": "again"}, on_duplicate=_duplicate)
        connection.flush()
    with database.transaction(write=False) as raw:
        assert raw.execute(sa.select(sa.func.count()).select_from(states)).scalar() == (
            1 if existing else 0
        )


def test_rows_are_stored_exactly_as_single_inserts_store_them(database):
    """Queued rows bypass SQLAlchemy's per-row handling but not its value conversions."""
    contexts = database.table("context")
    moment = datetime.datetime(2024, 5, 6, 7, 8, 9)
    values = {
        "context_type": "show",
        "name": "ünïcode",
        "created_at": moment,
        "is_private": True,
        "bid": 1.5,
        "description": None,
    }
    with database.transaction() as raw:
        raw.execute(contexts.insert().values(id="single", **values))
        connection = BufferedConnection(raw)
        for key in ("queued-1", "queued-2"):
            connection.insert_later(contexts, {"id": key, **values})
        connection.flush()
    columns = ", ".join(values)
    with database.transaction(write=False) as raw:
        stored = {
            row[0]: row[1:]
            for row in raw.exec_driver_sql(f"SELECT id, {columns} FROM context").all()
        }
        read = raw.execute(sa.select(contexts.c.created_at).where(contexts.c.id == "queued-2"))
        assert read.scalar() == moment
    assert stored["queued-1"] == stored["queued-2"] == stored["single"]


def test_driver_inserts_only_where_the_driver_runs_executemany(database):
    states = database.table("status_state")
    dialect = database.engine.dialect
    assert DriverInsert.of(states, ("id", "name"), dialect) is not None
    postgresql = sa.dialects.postgresql.psycopg2.dialect()
    assert DriverInsert.of(states, ("id", "name"), postgresql) is None
