"""Collect inserts and send them as one multi-row statement per table.

A batch of creates (a client commit of a thousand new tasks, say) would otherwise
cost one statement per row and per closure row. :class:`BufferedConnection` keeps
inserted rows until anything else is about to run on the connection, then writes
them with ``executemany`` (grouped by table and column set), so every read sees
every earlier write. Foreign keys are deferred, so the order of tables does not
matter. A uniqueness failure is traced back to its row and reported like a single
insert would be.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection


class BufferedConnection:
    """A connection that defers plain inserts until the next other statement."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._pending: Dict[sa.Table, List[Dict[str, Any]]] = {}
        self._on_duplicate: Dict[sa.Table, Callable[[Dict[str, Any], Exception], Exception]] = {}

    def insert_later(
        self,
        table: sa.Table,
        row: Dict[str, Any],
        on_duplicate: Optional[Callable[[Dict[str, Any], Exception], Exception]] = None,
    ) -> None:
        """Queue ``row`` for ``table``; ``on_duplicate(row, error)`` names a clash."""
        self._pending.setdefault(table, []).append(row)
        if on_duplicate is not None:
            self._on_duplicate[table] = on_duplicate

    def flush(self) -> None:
        """Write every queued row."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        for table, rows in pending.items():
            for group in _by_columns(rows):
                try:
                    self.connection.execute(table.insert(), group)
                except sa.exc.IntegrityError as error:
                    raise self._explain(table, group, error)

    def _explain(self, table: sa.Table, rows: List[Dict[str, Any]], error: Exception) -> Exception:
        """The error to report for a failed multi-row insert."""
        handler = self._on_duplicate.get(table)
        text = str(getattr(error, "orig", error)).lower()
        if handler is None or not ("unique" in text or "duplicate" in text):
            return error
        keys = [column.name for column in table.primary_key.columns]
        seen = set()
        for row in rows:
            key = tuple(row.get(name) for name in keys)
            if key in seen:
                return handler(row, error)
            seen.add(key)
        existing = self.connection.execute(
            sa.select(*table.primary_key.columns).where(
                sa.tuple_(*table.primary_key.columns).in_(list(seen))
            )
        ).first()
        if existing is not None:
            clash = dict(zip(keys, existing))
            return handler(clash, error)
        return error

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        self.flush()
        return self.connection.execute(statement, *args, **kwargs)

    def execute_unbuffered(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a read that cannot concern queued rows, leaving the queue as it is.

        For lookups whose caller already knows every row queued in this batch that
        could answer them (a parent created in the same batch is cached by the
        writer); flushing before each of them would split the batch's inserts into
        many small statements.
        """
        return self.connection.execute(statement, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Anything else (dialect, scalar helpers...) runs after the queue is written.
        self.flush()
        return getattr(self.connection, name)


def _by_columns(rows: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """Rows grouped by their set of columns (one multi-row insert needs one set)."""
    groups: Dict[Tuple[str, ...], List[Dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())
