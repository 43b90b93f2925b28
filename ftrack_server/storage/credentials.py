"""API keys: issued once, stored only as hashes, checked on every request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.storage.tables import API_KEY_TABLE, default_metadata
from ftrack_server.storage.values import utc_now


def new_api_key() -> str:
    """A fresh random API key (the same shape as ftrack's: a UUID-like string)."""
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def store_api_key(connection: Connection, user_id: str, api_key: Optional[str] = None) -> str:
    """Record a key for ``user_id`` (a new random one unless given); return the key."""
    api_key = api_key or new_api_key()
    table = default_metadata().tables[API_KEY_TABLE]
    connection.execute(
        table.insert().values(
            key_hash=hash_api_key(api_key), user_id=user_id, created_at=utc_now()
        )
    )
    return api_key


def revoke_api_keys(connection: Connection, user_id: str) -> None:
    table = default_metadata().tables[API_KEY_TABLE]
    connection.execute(table.delete().where(table.c.user_id == user_id))


def user_for_api_key(connection: Connection, username: str, api_key: str) -> Optional[dict]:
    """Return ``{"id", "username"}`` of the active user owning ``api_key``, else None."""
    if not username or not api_key:
        return None
    metadata = default_metadata()
    keys = metadata.tables[API_KEY_TABLE]
    users = metadata.tables["resource"]
    row = connection.execute(
        sa.select(users.c.id, users.c.username, users.c.is_active, keys.c.key_hash)
        .join(keys, keys.c.user_id == users.c.id)
        .where(keys.c.key_hash == hash_api_key(api_key))
        .where(users.c.resource_type == "user")
    ).first()
    if row is None or not row.is_active:
        return None
    if not hmac.compare_digest(row.username.lower(), username.lower()):
        return None
    return {"id": row.id, "username": row.username}
