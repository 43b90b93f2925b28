"""Questions about entities: their identity, primary key and local state.

These functions rely only on this part of the entity interface:

* ``entity.entity_type``: the schema name, e.g. ``'Task'``;
* ``entity.primary_key_attributes``: the names making up the primary key, in order;
* ``entity[name]``: an attribute value (``NOT_SET`` when it has none);
* ``entity.session.recorded_operations``: the session's
  :class:`~ftrack_api.operation.Operations`, whose operations carry
  ``entity_type`` and ``entity_key`` (the :func:`primary_key` of their entity).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Iterable, List, Optional, Tuple

from ftrack_api.operation import (
    CreateEntityOperation,
    DeleteEntityOperation,
    Operation,
    UpdateEntityOperation,
)
from ftrack_api.symbol import CREATED, DELETED, MODIFIED, NOT_SET, Symbol

_describing = threading.local()


def identity(entity: Any) -> Tuple[str, List[str]]:
    """Return ``(entity_type, [primary key values as text])`` for *entity*."""
    return (entity.entity_type, list(primary_key(entity).values()))


def primary_key(entity: Any) -> OrderedDict:
    """Return the primary key of *entity*: attribute name to value as text, in key order.

    Raise :exc:`KeyError` when a key attribute has no value yet (``NOT_SET``).
    ``None`` is a value and becomes ``'None'``.
    """
    key = OrderedDict()
    for name in entity.primary_key_attributes:
        value = entity[name]
        if value is NOT_SET:
            raise KeyError(
                f'Missing required value for primary key attribute "{name}" on entity '
                f"{_describe(entity)}."
            )
        key[name] = str(value)
    return key


def state(entity: Any) -> Symbol:
    """Return the local state of *entity*: ``CREATED``, ``MODIFIED``, ``DELETED`` or ``NOT_SET``.

    The state follows from the operations recorded in the entity's session: a
    deletion always wins; otherwise the first creation or update decides (an
    entity created then modified is ``CREATED``).
    """
    return states([entity])[0]


def states(entities: Iterable[Any]) -> List[Symbol]:
    """Return the state of each of *entities*, in the same order.

    Each session's recorded operations are read once, however many entities
    belong to it.
    """
    entities = list(entities)
    keys = [_entity_key(entity) for entity in entities]

    sessions = {}
    for entity, key in zip(entities, keys):
        session = entity.session
        sessions.setdefault(id(session), (session, set()))[1].add(key)

    results = []
    by_session = {}
    for session_id, (session, wanted) in sessions.items():
        found = {}
        for operation in session.recorded_operations:
            key = _operation_key(operation)
            if key is not None and key in wanted:
                found[key] = _next_state(found.get(key, NOT_SET), operation)
        by_session[session_id] = found

    for entity, key in zip(entities, keys):
        results.append(by_session[id(entity.session)].get(key, NOT_SET))
    return results


def _entity_key(entity: Any) -> tuple:
    return (entity.entity_type, tuple(primary_key(entity).items()))


def _operation_key(operation: Operation) -> Optional[tuple]:
    """Return the key of the entity *operation* is about (None when it has none)."""
    try:
        return (operation.entity_type, tuple(operation.entity_key.items()))
    except (AttributeError, TypeError):
        return None


def _next_state(current: Symbol, operation: Operation) -> Symbol:
    if isinstance(operation, DeleteEntityOperation):
        return DELETED
    if current is not NOT_SET:
        return current
    if isinstance(operation, CreateEntityOperation):
        return CREATED
    if isinstance(operation, UpdateEntityOperation):
        return MODIFIED
    return current


def _describe(entity: Any) -> str:
    """Return ``repr(entity)`` for an error message, guarding against recursion.

    An entity's repr usually shows its primary key, which is what failed to be
    computed: a nested attempt falls back to a plain description.
    """
    active = getattr(_describing, "ids", None)
    if active is None:
        active = _describing.ids = set()
    fallback = f"<{getattr(entity, 'entity_type', type(entity).__name__)} (no primary key)>"
    if id(entity) in active:
        return fallback
    active.add(id(entity))
    try:
        return repr(entity)
    except Exception:
        return fallback
    finally:
        active.discard(id(entity))
