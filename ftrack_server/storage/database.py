"""The database behind a server: engine set-up and transactions.

Any SQLAlchemy URL works. SQLite (a file, or memory by default) gets what it needs
to behave like a real server database: foreign keys enforced, explicit transactions
(so a failed batch leaves nothing behind), WAL for files, and one writer at a time.

A SQLite file copies its write-ahead log back into the database file on a background
thread (:class:`WalCheckpointer`), not inside whichever commit happened to fill the
log: a large batch's commit then only writes its own pages, and its answer does not
wait for that copy and its ``fsync``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Iterator, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ftrack_server.storage.tables import default_metadata

MEMORY_URL = "sqlite://"
#: Pages of a new SQLite file. A batch of a thousand new contexts touches pages all
#: over the indexes keyed by random ids; 16 KiB pages make those trees shallower and
#: the commit's log writes fewer and larger (about 5 ms less for such a batch than
#: the default 4 KiB). Existing files keep the page size they were made with.
PAGE_SIZE = 16_384
#: Log length (in pages of PAGE_SIZE, about 40 MB) at which a commit checkpoints itself.
FALLBACK_CHECKPOINT_PAGES = 40 * 1024 * 1024 // PAGE_SIZE

logger = logging.getLogger(__name__)


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
        self.checkpointer: Optional[WalCheckpointer] = None
        if self.is_sqlite and not self.is_memory:
            self.checkpointer = WalCheckpointer(self.engine)

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
                cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before WAL; new files only
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # Commits leave checkpoints to the WalCheckpointer thread; should it fall
                # behind, a commit finding a log this long still checkpoints.
                cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_CHECKPOINT_PAGES}")
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
        if write and self.checkpointer is not None:
            self.checkpointer.request()

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()


class WalCheckpointer:
    """Checkpoints a SQLite file's write-ahead log on a thread of its own.

    Connections leave checkpoints to this thread (up to a long log, see
    ``FALLBACK_CHECKPOINT_PAGES``). After each committed write :meth:`request` wakes
    it; it runs a ``PASSIVE`` checkpoint (which never waits for readers or writers),
    then rests ``interval`` seconds, so a stream of small commits shares one
    checkpoint (and its ``fsync``) rather than paying one each. The thread starts on
    the first request and ends after ``idle_seconds`` without one, so an idle or
    forgotten database keeps no thread. Closing the last connection checkpoints
    whatever is left.
    """

    def __init__(
        self, engine: Engine, *, interval: float = 0.25, idle_seconds: float = 5.0
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._idle_seconds = idle_seconds
        self._condition = threading.Condition()
        self._wanted = False
        self._stopping = False
        self._thread: Optional[threading.Thread] = None

    def request(self) -> None:
        """Ask for a checkpoint soon; returns at once."""
        with self._condition:
            self._wanted = True
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def stop(self) -> None:
        """End the thread once the checkpoint under way, if any, is done."""
        with self._condition:
            self._stopping = True
            thread = self._thread
            self._condition.notify()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while self._next():
            try:
                self.checkpoint()
            except Exception:  # pragma: no cover - the next write tries again
                logger.warning("WAL checkpoint failed", exc_info=True)
            self._rest()

    def _rest(self) -> None:
        """Let writes gather for ``interval`` seconds (unless stopping)."""
        with self._condition:
            if not self._stopping:
                self._condition.wait_for(lambda: self._stopping, self._interval)

    def _next(self) -> bool:
        """Wait for a request; False when the thread should end (idle or stopping)."""
        with self._condition:
            if not self._wanted and not self._stopping:
                self._condition.wait(self._idle_seconds)
            if self._stopping or not self._wanted:
                self._thread = None
                return False
            self._wanted = False
            return True

    def checkpoint(self) -> Tuple[int, int, int]:
        """Copy committed pages from the log into the database file.

        Returns SQLite's answer: (1 if it could not finish, frames in the log, frames
        copied). It runs outside any transaction, as a checkpoint must.
        """
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            busy, log_frames, copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cursor.close()
        finally:
            connection.close()
        return busy, log_frames, copied
