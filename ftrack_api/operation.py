"""Records of local changes waiting to be committed.

The session pushes one operation per local change (create, attribute update,
delete) on its :class:`Operations` stack; ``commit`` turns them into the batch sent
to the server, ``rollback`` undoes them. Operations are created for every
attribute set, so the classes use ``__slots__`` and copy as little as possible.

Values are snapshotted with :func:`copy.copy` when recorded, as the original client
does, so a list or dict changed later by the caller does not alter the record.
Immutable scalars are kept as they are. Objects decide how they copy through
``__copy__`` (symbols return themselves; entities should too).
"""

from __future__ import annotations

import copy
import datetime
import decimal
import uuid
from typing import Any, Iterator, Mapping

import arrow

from ftrack_api.symbol import Symbol

# Types whose values never change in place: recorded without copying.
_IMMUTABLE_TYPES = frozenset(
    {
        str,
        int,
        float,
        bool,
        bytes,
        type(None),
        complex,
        decimal.Decimal,
        uuid.UUID,
        datetime.datetime,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        arrow.Arrow,
        Symbol,
    }
)


def _snapshot(value: Any) -> Any:
    """Return *value* detached from later in-place changes (a shallow copy)."""
    if type(value) in _IMMUTABLE_TYPES:
        return value
    return copy.copy(value)


class Operation:
    """Base of all operations."""

    __slots__ = ()


class CreateEntityOperation(Operation):
    """An entity of *entity_type* identified by *entity_key* was created."""

    __slots__ = ("entity_data", "entity_key", "entity_type")

    def __init__(
        self, entity_type: str, entity_key: Mapping[str, Any], entity_data: Mapping
    ) -> None:
        self.entity_type = entity_type
        self.entity_key = entity_key
        #: The values the entity was created with: a plain dict of shallow copies.
        self.entity_data = {key: _snapshot(value) for key, value in entity_data.items()}


class UpdateEntityOperation(Operation):
    """Attribute *attribute_name* of an entity changed from *old_value* to *new_value*."""

    __slots__ = ("attribute_name", "entity_key", "entity_type", "new_value", "old_value")

    def __init__(
        self,
        entity_type: str,
        entity_key: Mapping[str, Any],
        attribute_name: str,
        old_value: Any,
        new_value: Any,
    ) -> None:
        self.entity_type = entity_type
        self.entity_key = entity_key
        self.attribute_name = attribute_name
        self.old_value = _snapshot(old_value)
        self.new_value = _snapshot(new_value)


class DeleteEntityOperation(Operation):
    """An entity of *entity_type* identified by *entity_key* was deleted."""

    __slots__ = ("entity_key", "entity_type")

    def __init__(self, entity_type: str, entity_key: Mapping[str, Any]) -> None:
        self.entity_type = entity_type
        self.entity_key = entity_key


class Operations:
    """A stack of operations, oldest first, safe to share between threads.

    Each method is a single list operation (``append``, ``pop``, ``clear``, a
    copy), which CPython performs atomically, with or without the GIL: no extra
    lock is needed on this hot path. Iteration walks a snapshot, so operations
    pushed meanwhile (by another thread or the loop body) are not visited.
    """

    __slots__ = ("_stack",)

    def __init__(self) -> None:
        self._stack: list[Operation] = []

    def clear(self) -> None:
        """Remove every operation."""
        self._stack.clear()

    def push(self, operation: Operation) -> None:
        """Add *operation* on top of the stack."""
        self._stack.append(operation)

    def pop(self) -> Operation:
        """Remove and return the most recent operation (IndexError when empty)."""
        return self._stack.pop()

    def __len__(self) -> int:
        return len(self._stack)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._stack.copy())
