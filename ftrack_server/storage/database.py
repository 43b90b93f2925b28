"""The database behind a server: engine set-up and transactions.

Any SQLAlchemy URL works. SQLite (a file, or memory by default) gets what it needs
to behave like a real server database: foreign keys enforced, explicit transactions
(so a failed batch leaves nothing behind), WAL for files, and one writer at a time.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ftrack_server.storage.tables import default_metadata

MEMORY_URL = "sqlite://"


def database_url(path_or_url: Optional[str]) -> str:
    """Turn a ``--db`` argument (a file path, ``:memory:`` or a URL) into a URL."""
    if not path_or_url or path_or_url == ":memory:":
        return MEMORY_URL
    if "://" in path_or_url:
        return path_or_url
    return f"sqlite:///{path_or_url}"


class Database:
    """A database with the model's tables; hands out one transaction at a time."""

    def __init__(self, url: str = MEMORY_URL, *, echo: bool = False) -> None:
        self.url = sa.engine.make_url(url)
        self.metadata = default_metadata()
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_memory = self.is_sqlite and self.url.database in (None, "", ":memory:")
        self.engine = self._create_engine(echo)
        # SQLite allows one writer; in memory there is a single shared connection,
        # so every transaction takes turns.
        self._write_lock = threading.RLock()
        self.metadata.create_all(self.engine)

    def _create_engine(self, echo: bool) -> Engine:
        if not self.is_sqlite:
            return sa.create_engine(self.url, echo=echo, pool_pre_ping=True)
        options = {"check_same_thread": False, "timeout": 30}
        if self.is_memory:
            engine = sa.create_engine(
                self.url, echo=echo, connect_args=options, poolclass=StaticPool
            )
        else:
            engine = sa.create_engine(self.url, echo=echo, connect_args=options)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
            # Let SQLAlchemy, not the driver, decide where transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not self.is_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # A 64 MB page cache: inserts into large, many-indexed tables (a site's
                # contexts) otherwise re-read index pages on every batch.
                cursor.execute("PRAGMA cache_size=-65536")
                cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection):  # pragma: no cover - driver hook
            connection.exec_driver_sql("BEGIN")

        return engine

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """Run the block in one transaction: committed on success, rolled back on error."""
        needs_lock = self.is_sqlite and (write or self.is_memory)
        lock = self._write_lock if needs_lock else contextlib.nullcontext()
        with lock, self.engine.begin() as connection:
            yield connection

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    def dispose(self) -> None:
        self.engine.dispose()
