"""A batch is one transaction: committed whole or not at all."""

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from ftrack_server.storage.database import (
    FALLBACK_CHECKPOINT_PAGES,
    PAGE_SIZE,
    Database,
    WalCheckpointer,
    database_url,
)


def _count(database, table):
    with database.transaction(write=False) as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()


@pytest.fixture(params=["memory", "file"])
def database(request, tmp_path):
    url = "sqlite://" if request.param == "memory" else database_url(str(tmp_path / "db.sqlite"))
    database = Database(url)
    yield database
    database.dispose()


def test_url_forms():
    assert database_url(None) == "sqlite://"
    assert database_url(":memory:") == "sqlite://"
    assert database_url("site.sqlite") == "sqlite:///site.sqlite"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_an_error_rolls_back_the_whole_transaction(database):
    states = database.table("status_state")
    with pytest.raises(RuntimeError), database.transaction() as connection:
        connection.execute(states.insert().values(id="a", name="A", short="A"))
        raise RuntimeError("boom")
    assert _count(database, states) == 0


def test_dangling_foreign_keys_fail_at_commit_and_leave_nothing(database):
    statuses = database.table("task_status")
    with pytest.raises(sa.exc.IntegrityError), database.transaction() as connection:
        connection.execute(
            statuses.insert().values(id="s", name="x", is_active=True, state_id="missing")
        )
    assert _count(database, statuses) == 0


def test_foreign_keys_are_deferred_to_the_end_of_the_batch(database):
    states = database.table("status_state")
    statuses = database.table("task_status")
    with database.transaction() as connection:
        connection.execute(
            statuses.insert().values(id="s", name="x", is_active=True, state_id="later")
        )
        connection.execute(states.insert().values(id="later", name="Later", short="L"))
    assert _count(database, statuses) == 1


def test_concurrent_writers_take_turns(database):
    states = database.table("status_state")
    errors = []

    def write(number):
        try:
            for index in range(20):
                with database.transaction() as connection:
                    connection.execute(
                        states.insert().values(id=f"{number}-{index}", name="n", short="s")
                    )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(database, states) == 80


def _file_database(tmp_path, **checkpointer):
    database = Database(database_url(str(tmp_path / "db.sqlite")))
    if checkpointer:
        database.checkpointer = WalCheckpointer(database.engine, **checkpointer)
    return database


def _insert_state(database, key):
    states = database.table("status_state")
    with database.transaction() as connection:
        connection.execute(states.insert().values(id=key, name="n", short="s"))


def _record_checkpoints(database):
    """The threads that ran checkpoints, in order (filled as they run)."""
    threads = []
    checkpoint = database.checkpointer.checkpoint

    def recorded():
        threads.append(threading.current_thread())
        return checkpoint()

    database.checkpointer.checkpoint = recorded
    return threads


def _wait_for(condition):
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_commits_leave_checkpoints_to_the_checkpointer_thread(tmp_path):
    database = _file_database(tmp_path)
    threads = _record_checkpoints(database)
    try:
        with database.transaction(write=False) as connection:
            pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert pages == FALLBACK_CHECKPOINT_PAGES > 1000  # not the default
        assert threads == []
        _insert_state(database, "a")
        _wait_for(lambda: threads)
        assert threads[0].name == "sqlite-checkpoint"
        assert threads[0] is not threading.current_thread()
    finally:
        database.dispose()


def test_the_checkpointer_thread_ends_when_idle_and_returns_on_the_next_write(tmp_path):
    database = _file_database(tmp_path, idle_seconds=0.05)
    threads = _record_checkpoints(database)
    try:
        _insert_state(database, "a")
        _wait_for(lambda: len(threads) == 1)
        threads[0].join(10)
        assert not threads[0].is_alive()
        _insert_state(database, "b")
        _wait_for(lambda: len(threads) == 2)
        assert threads[1] is not threads[0]
    finally:
        database.dispose()
    assert not threads[1].is_alive()
    reopened = Database(database.url.render_as_string())
    try:
        assert _count(reopened, reopened.table("status_state")) == 2
    finally:
        reopened.dispose()


def test_memory_databases_have_no_checkpointer():
    assert Database().checkpointer is None


def test_a_new_file_gets_large_pages_and_an_existing_one_keeps_its_own(tmp_path):
    database = _file_database(tmp_path)
    try:
        with database.transaction(write=False) as connection:
            assert connection.exec_driver_sql("PRAGMA page_size").scalar() == PAGE_SIZE
    finally:
        database.dispose()
    older = tmp_path / "older.sqlite"
    with sqlite3.connect(older) as raw:
        raw.execute("PRAGMA page_size=4096")
        raw.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY)")
    database = Database(database_url(str(older)))
    try:
        with database.transaction(write=False) as connection:
            assert connection.exec_driver_sql("PRAGMA page_size").scalar() == 4096
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        database.dispose()
