"""Change records: what ``ftrack.update`` events say about each written entity.

One record per changed entity, shaped like ``data.entities[*]`` of protocol.md 7.12
(``entityId``, ``entity_type``, ``entityType``, ``objectTypeId``, ``action``,
``keys``, ``changes``, ``parentId``, ``parents``). ``keys`` and ``changes`` use
client attribute names; values are plain JSON (date-times as ISO strings).
``parents`` lists the entity itself and then its ancestors, nearest first, for
contexts; other entities get an empty list.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from sqlalchemy.engine import Connection

from ftrack_server.storage import closure
from ftrack_server.storage.write_plan import TypePlan, WritePlans

Record = Dict[str, Any]


def plain(value: Any, data_type: str = "string") -> Any:
    """A stored value as plain JSON."""
    if isinstance(value, _dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if data_type == "variable" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def entity_id(key: Tuple[Any, ...]) -> Any:
    """``entityId``: the key value, or the list of values of a composite key."""
    return str(key[0]) if len(key) == 1 else [str(value) for value in key]


def record(
    plan: TypePlan,
    action: str,
    key: Tuple[Any, ...],
    row: Mapping[str, Any],
    changes: Dict[str, Dict[str, Any]],
) -> Record:
    """A change record of one entity (``row`` holds its current or new columns)."""
    entry: Record = {
        "entityId": entity_id(key),
        "entity_type": plan.name,
        "entityType": plan.legacy_name,
        "action": action,
        "keys": list(changes),
        "changes": changes,
        "parentId": row.get("parent_id"),
        "parents": [],
    }
    if plan.is_context and row.get("object_type_id") is not None:
        entry["objectTypeId"] = row["object_type_id"]
    return entry


def added(plan: TypePlan, key: Tuple[Any, ...], row: Mapping[str, Any]) -> Record:
    """The record of a created entity: every value it was created with."""
    types = plan.column_types
    changes = {
        column: {"old": None, "new": plain(value, types.get(column, "string"))}
        for column, value in row.items()
        if value is not None and not column.startswith("_")
    }
    return record(plan, "add", key, row, changes)


def updated(
    plan: TypePlan,
    key: Tuple[Any, ...],
    current: Mapping[str, Any],
    changed: Dict[str, Any],
    action: str = "update",
) -> Record:
    """The record of an update: old and new value of each changed column."""
    types = plan.column_types
    changes = {
        column: {
            "old": plain(current[column], types.get(column, "string")),
            "new": plain(value, types.get(column, "string")),
        }
        for column, value in changed.items()
        if not column.startswith("_")
    }
    merged = dict(current)
    merged.update(changed)
    return record(plan, action, key, merged, changes)


def custom_attribute(
    plan: TypePlan,
    owner_id: Any,
    owner_type: Optional[str],
    attribute_key: Optional[str],
    old: Any,
    new: Any,
) -> Record:
    """A custom attribute value change, reported on its owner like the real server."""
    name = attribute_key or "value"
    return {
        "entityId": str(owner_id),
        "entity_type": plan.name,
        "entityType": owner_type or plan.legacy_name,
        "action": "update",
        "keys": [name],
        "changes": {name: {"old": plain(old, "variable"), "new": plain(new, "variable")}},
        "parentId": None,
        "parents": [],
    }


def fill_parents(
    connection: Connection, plans: WritePlans, pending: Iterable[Tuple[Record, str]]
) -> None:
    """Set ``parents`` of context records from the closure table (one query per 500)."""
    pending = list(pending)
    if not pending:
        return
    rows = closure.ancestor_rows(
        connection, plans.closure, plans.table("context"), [node for _record, node in pending]
    )
    context = plans.model.types["Context"]
    chains: Dict[str, List[Dict[str, Any]]] = {}
    for row in rows:
        mapping = row._mapping
        concrete = plans.model.concrete_type(context, mapping)
        chains.setdefault(mapping["descendant_id"], []).append(
            {
                "entityId": mapping["id"],
                "entityType": plans.plan(concrete).legacy_name,
                "entity_type": concrete,
                "parentId": mapping["parent_id"],
            }
        )
    for entry, node in pending:
        entry["parents"] = chains.get(node, [])
