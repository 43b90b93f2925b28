"""Who is calling: credentials in any of the spellings clients use (protocol.md 2.4)."""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

from sqlalchemy.engine import Connection

from ftrack_server.errors import InvalidCredentialsError
from ftrack_server.storage.credentials import user_for_api_key

INVALID_KEY_MESSAGE = (
    "The API key is invalid for this user. Send a valid key in the ftrack-api-key header "
    "and the user name in the ftrack-user header."
)


def credentials(headers: Mapping[str, str], query: Mapping[str, str]) -> Tuple[str, str]:
    """Return (username, api key) from headers, or the query spellings of other endpoints."""
    username = headers.get("ftrack-user") or query.get("api_user") or query.get("username")
    api_key = headers.get("ftrack-api-key") or query.get("api_key") or query.get("apiKey")
    return username or "", api_key or ""


def authenticate(connection: Connection, username: str, api_key: str) -> dict:
    """Return the calling user (``{"id", "username"}``) or raise InvalidCredentialsError."""
    user: Optional[dict] = user_for_api_key(connection, username, api_key)
    if user is None:
        raise InvalidCredentialsError(INVALID_KEY_MESSAGE)
    return user
