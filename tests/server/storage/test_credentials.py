"""API keys are stored hashed and identify their active user."""

import sqlalchemy as sa

from ftrack_server.storage.credentials import (
    hash_api_key,
    revoke_api_keys,
    store_api_key,
    user_for_api_key,
)
from ftrack_server.storage.database import Database


def _database_with_user(active=True):
    database = Database()
    with database.transaction() as connection:
        connection.execute(
            database.table("resource")
            .insert()
            .values(id="u1", resource_type="user", username="Jane", is_active=active)
        )
    return database


def test_keys_are_stored_as_hashes_and_authenticate():
    database = _database_with_user()
    with database.transaction() as connection:
        key = store_api_key(connection, "u1")
        stored = connection.execute(sa.select(database.table("_api_key").c.key_hash)).scalars()
        assert list(stored) == [hash_api_key(key)]
        assert key not in hash_api_key(key)
        assert user_for_api_key(connection, "jane", key) == {"id": "u1", "username": "Jane"}


def test_wrong_key_user_or_inactive_user_is_refused():
    database = _database_with_user(active=False)
    with database.transaction() as connection:
        key = store_api_key(connection, "u1")
        assert user_for_api_key(connection, "Jane", key) is None
    database = _database_with_user()
    with database.transaction() as connection:
        key = store_api_key(connection, "u1", "given-key")
        assert key == "given-key"
        assert user_for_api_key(connection, "Jane", "other-key") is None
        assert user_for_api_key(connection, "John", key) is None
        assert user_for_api_key(connection, "", key) is None


def test_revoked_keys_stop_working():
    database = _database_with_user()
    with database.transaction() as connection:
        key = store_api_key(connection, "u1")
        revoke_api_keys(connection, "u1")
        assert user_for_api_key(connection, "Jane", key) is None
