"""Collect inserts and send them as one multi-row statement per table.

A batch of creates (a client commit of a thousand new tasks, say) would otherwise
cost one statement per row and per closure row. :class:`BufferedConnection` keeps
inserted rows until anything else is about to run on the connection, then writes
them with ``executemany`` (grouped by table and column set), so every read sees
every earlier write. Foreign keys are deferred, so the order of tables does not
matter. A uniqueness failure is traced back to its row and reported like a single
insert would be.

Where SQLAlchemy's ``executemany`` ends in the driver's own ``executemany`` anyway
(SQLite), the rows are handed to the driver directly (:class:`DriverInsert`): the
statement is compiled once, and each row becomes a tuple in C instead of going
through SQLAlchemy's per-row parameter handling, which cost as much as SQLite's own
work for a thousand Tasks and their closure rows.
"""

from __future__ import annotations

import operator
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

#: Turns a row whose insert clashed, and the database's error, into the error to raise.
DuplicateHandler = Callable[[Dict[str, Any], Exception], Exception]


class BufferedConnection:
    """A connection that defers plain inserts until the next other statement."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._pending: Dict[sa.Table, List[Dict[str, Any]]] = {}
        self._on_duplicate: Dict[sa.Table, DuplicateHandler] = {}

    def insert_later(
        self,
        table: sa.Table,
        row: Dict[str, Any],
        on_duplicate: Optional[DuplicateHandler] = None,
    ) -> None:
        """Queue ``row`` for ``table``; ``on_duplicate(row, error)`` names a clash."""
        self._pending.setdefault(table, []).append(row)
        if on_duplicate is not None:
            self._on_duplicate[table] = on_duplicate

    def insert_all_later(self, table: sa.Table, rows: List[Dict[str, Any]]) -> None:
        """Queue several ``rows`` for ``table`` (a clash there is reported as is)."""
        if rows:
            self._pending.setdefault(table, []).extend(rows)

    def flush(self) -> None:
        """Write every queued row."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        for table, rows in pending.items():
            for columns, group in _by_columns(rows):
                try:
                    self._insert(table, columns, group)
                except sa.exc.IntegrityError as error:
                    raise self._explain(table, group, error)

    def _insert(
        self, table: sa.Table, columns: Tuple[str, ...], rows: List[Dict[str, Any]]
    ) -> None:
        """Insert ``rows``, which all have exactly ``columns``."""
        driver_insert = None
        if len(rows) > 1:
            driver_insert = DriverInsert.of(table, columns, self.connection.dialect)
        if driver_insert is None:
            self.connection.execute(table.insert(), rows)
        else:
            self.connection.exec_driver_sql(driver_insert.sql, driver_insert.parameters(rows))

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


def _by_columns(rows: List[Dict[str, Any]]) -> List[Tuple[Tuple[str, ...], List[Dict[str, Any]]]]:
    """Rows grouped by their set of columns (one multi-row insert needs one set).

    Rows keep their order within a group. Rows built by the same code list their
    columns in the same order, so each order is sorted into a set only once.
    """
    first = rows[0].keys()
    if all(row.keys() == first for row in rows):  # the usual case: one set
        return [(tuple(sorted(first)), rows)]
    column_sets: Dict[Tuple[str, ...], Tuple[str, ...]] = {}
    groups: Dict[Tuple[str, ...], List[Dict[str, Any]]] = {}
    for row in rows:
        order = tuple(row)
        columns = column_sets.get(order)
        if columns is None:
            columns = column_sets[order] = tuple(sorted(order))
        group = groups.get(columns)
        if group is None:
            groups[columns] = [row]
        else:
            group.append(row)
    return list(groups.items())


_UNKNOWN: Any = object()


class DriverInsert:
    """An INSERT of some columns of a table, run by the driver's ``executemany``.

    Only for dialects whose statements take positional parameters and where
    SQLAlchemy itself would call the driver's ``executemany`` (it does not rewrite
    the rows into multi-row VALUES statements, as it does for PostgreSQL), and only
    for inserts without Python-side column defaults. Values go through the same
    bind processors SQLAlchemy would apply (date-times on SQLite, say).
    """

    #: Compiled inserts by (table, columns, dialect); cleared when it grows past
    #: ``CACHE_SIZE`` (clients choose which attributes they send, so the column sets
    #: are theirs to vary).
    CACHE_SIZE = 512
    _cache: Dict[Tuple[sa.Table, Tuple[str, ...], Any], Optional[DriverInsert]] = {}
    _lock = threading.Lock()

    def __init__(self, sql: str, keys: Tuple[str, ...], processors: Dict[int, Any]) -> None:
        self.sql = sql
        self._values = operator.itemgetter(*keys)
        self._single = len(keys) == 1
        self._processors = sorted(processors.items())

    @classmethod
    def of(cls, table: sa.Table, columns: Tuple[str, ...], dialect: Any) -> Optional[DriverInsert]:
        """The insert of ``columns`` into ``table`` for ``dialect``, or None where it
        does not apply (SQLAlchemy's own executemany is used then)."""
        key = (table, columns, type(dialect), dialect.paramstyle)
        found = cls._cache.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = cls._compile(table, columns, dialect)
            with cls._lock:
                if len(cls._cache) >= cls.CACHE_SIZE:
                    cls._cache.clear()
                cls._cache[key] = found
        return found

    @classmethod
    def _compile(
        cls, table: sa.Table, columns: Tuple[str, ...], dialect: Any
    ) -> Optional[DriverInsert]:
        if not dialect.positional or dialect.use_insertmanyvalues_wo_returning:
            return None
        compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
        if compiled.insert_prefetch or compiled.postfetch or not compiled.positiontup:
            return None
        binds = [compiled.binds[name] for name in compiled.positiontup]
        processors = {}
        for position, bind in enumerate(binds):
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[position] = processor
        return cls(compiled.string, tuple(bind.key for bind in binds), processors)

    def parameters(self, rows: List[Dict[str, Any]]) -> List[Tuple[Any, ...]]:
        """The driver's parameter tuples for ``rows``."""
        values = self._values
        if self._single:
            tuples = [(values(row),) for row in rows]
        else:
            tuples = [values(row) for row in rows]
        if not self._processors:
            return tuples
        # Rows of a batch share values (its creation time, say): a processor's answer
        # for the same object is reused rather than worked out again.
        last: Dict[int, Tuple[Any, Any]] = {}
        return [self._processed(row_values, last) for row_values in tuples]

    def _processed(
        self, row_values: Tuple[Any, ...], last: Dict[int, Tuple[Any, Any]]
    ) -> Tuple[Any, ...]:
        processed = list(row_values)
        for position, processor in self._processors:
            value = processed[position]
            previous = last.get(position)
            if previous is not None and previous[0] is value:
                processed[position] = previous[1]
            else:
                processed[position] = result = processor(value)
                last[position] = (value, result)
        return tuple(processed)
