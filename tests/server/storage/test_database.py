"""A batch is one transaction: committed whole or not at all."""

import threading

import pytest
import sqlalchemy as sa

from ftrack_server.storage.database import Database, database_url


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
