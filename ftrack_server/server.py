"""The local server's state, shared by every endpoint: model, database and settings."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from typing import Any, Dict, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.requests import Request

from ftrack_server.context import RequestContext
from ftrack_server.events import EventRouter
from ftrack_server.files import FileStore
from ftrack_server.files import urls as file_urls
from ftrack_server.model import Model, load_model
from ftrack_server.query.pages import PageKeyCache
from ftrack_server.storage import closure
from ftrack_server.storage.credentials import store_api_key, user_for_api_key
from ftrack_server.storage.database import Database, database_url
from ftrack_server.storage.seed import is_seeded, seed

logger = logging.getLogger(__name__)

SERVER_VERSION = "dev"
STANDARD_USER_TYPE_ID = "ac9fa5aa-4361-11e0-b7cc-0019bb4983d8"
DEFAULT_STORAGE_SCENARIO = {"scenario": "ftrack.automatic", "data": {}}


class LocalServer:
    """A local ftrack-compatible site: one database, served by :func:`create_app`.

    ``database`` is a file path, ``:memory:``/None for a throwaway in-memory site, or
    any SQLAlchemy URL. A new database is seeded with a fresh site's data; the
    administrator's API key is then available as :attr:`admin_api_key` (keys are
    stored hashed, so an existing database only yields keys issued later).
    """

    def __init__(
        self,
        database: Optional[str] = None,
        *,
        admin_username: str = "admin",
        data_dir: Optional[str] = None,
    ) -> None:
        self.model: Model = load_model()
        self.database = Database(database_url(database))
        self.files = FileStore(data_dir)
        self.page_keys = PageKeyCache()
        self.events = EventRouter(self)
        self.admin_username = admin_username
        self.admin_api_key: Optional[str] = None
        with self.database.transaction() as connection:
            if not is_seeded(connection):
                self.admin_username, self.admin_api_key = seed(
                    connection, admin_username=admin_username
                )
            # Sites made by earlier versions kept a depth-0 closure row per context.
            closure.drop_self_rows(connection, self.database.table("context_closure"))

    # -- credentials -------------------------------------------------------------------

    def issue_api_key(self, username: str, api_key: Optional[str] = None) -> str:
        """Issue (or register) an API key for an existing user and return it."""
        users = self.database.table("resource")
        with self.database.transaction() as connection:
            row = connection.execute(
                sa.select(users.c.id).where(
                    users.c.username == username, users.c.resource_type == "user"
                )
            ).first()
            if row is None:
                raise LookupError(f"No user named {username!r}.")
            return store_api_key(connection, row.id, api_key)

    def create_user(
        self,
        username: str,
        *,
        first_name: str = "",
        last_name: str = "",
        email: str = "",
    ) -> str:
        """Create an active user and return a new API key for it."""
        users = self.database.table("resource")
        with self.database.transaction() as connection:
            taken = connection.execute(
                sa.select(users.c.id).where(sa.func.lower(users.c.username) == username.lower())
            ).first()
            if taken is not None:
                raise ValueError(f"A user named {username!r} already exists.")
            user_id = str(uuid.uuid4())
            connection.execute(
                users.insert().values(
                    id=user_id,
                    resource_type="user",
                    username=username,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    is_active=True,
                    user_type_id=STANDARD_USER_TYPE_ID,
                )
            )
            return store_api_key(connection, user_id)

    def ensure_api_key(self, username: str, api_key: str) -> None:
        """Make ``api_key`` valid for ``username`` unless it already is."""
        with self.database.transaction(write=False) as connection:
            if user_for_api_key(connection, username, api_key):
                return
        self.issue_api_key(username, api_key)

    # -- requests ----------------------------------------------------------------------

    def request_context(self, user: Dict[str, Any], request: Request) -> RequestContext:
        base_url = str(request.base_url).rstrip("/")
        options = request.headers.get("ftrack-api-options", "")
        tokens = self.files.tokens  # URLs carry a read token: usable without credentials
        return RequestContext(
            user_id=user["id"],
            username=user["username"],
            base_url=base_url,
            thumbnail_url=functools.partial(file_urls.thumbnail_url, tokens, base_url),
            component_url=functools.partial(file_urls.component_url, tokens, base_url),
            denormalize="denormalize:1" in options.replace(" ", ""),
            record_changes=self.events.listening,
            page_keys=self.page_keys,
            client_token=request.headers.get("ftrack-clienttoken"),
            push_token=request.headers.get("ftrack-pushtoken"),
        )

    def information(self, connection: Connection) -> Dict[str, Any]:
        """The ``query_server_information`` answer (protocol.md section 5)."""
        return {
            "version": SERVER_VERSION,
            "schema_hash": self.model.schema_hash,
            "storage_scenario": self.storage_scenario(connection),
            "is_timezone_support_enabled": True,
        }

    def storage_scenario(self, connection: Connection) -> Dict[str, Any]:
        settings = self.database.table("setting")
        value = connection.execute(
            sa.select(settings.c.value).where(
                settings.c.name == "storage_scenario", settings.c.group == "STORAGE"
            )
        ).scalar()
        if not value:
            return dict(DEFAULT_STORAGE_SCENARIO)
        try:
            return json.loads(value)
        except ValueError:
            logger.warning("Ignoring malformed storage scenario setting: %r", value)
            return dict(DEFAULT_STORAGE_SCENARIO)

    def after_commit(self, context: RequestContext) -> None:
        """Run after a batch committed: tell event hub clients what changed, then start
        the work the batch asked for (``context.on_commit``, e.g. encoding jobs)."""
        if context.changes:
            self.events.publish_changes(context)
        for start in context.on_commit:
            start()

    def credentials(self) -> Tuple[str, Optional[str]]:
        return self.admin_username, self.admin_api_key
