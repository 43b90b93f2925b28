"""Turn recorded operations into the smallest equivalent batch for the server.

Rules (protocol.md 4.7): a create and a delete of the same new entity cancel out;
updates right after an entity's create or update are folded into that payload (the
last value of an attribute wins); unset values are dropped; payloads left with
nothing but the entity type are dropped.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Tuple

import ftrack_api.operation
from ftrack_api._codec import PLAIN_TYPES
from ftrack_api.symbol import NOT_SET

Identity = Tuple[str, Tuple[Any, ...]]


def _identity(operation: Any) -> Identity:
    return (operation.entity_type, tuple(operation.entity_key.values()))


def build_batch(
    operations: Iterable[Any], encode_value: Callable[[Any], Any]
) -> List[Dict[str, Any]]:
    """Return the list of operation payloads for ``operations``, in order."""
    batch: List[Dict[str, Any]] = []
    created: Dict[Identity, Dict[str, Any]] = {}
    last_payload: Dict[Identity, Dict[str, Any]] = {}
    previous: Any = None
    for operation in operations:
        identity = _identity(operation)
        if isinstance(operation, ftrack_api.operation.CreateEntityOperation):
            payload = {
                "action": "create",
                "entity_type": operation.entity_type,
                "entity_key": list(operation.entity_key.values()),
                "entity_data": {"__entity_type__": operation.entity_type},
            }
            entity_data = payload["entity_data"]
            for name, value in operation.entity_data.items():
                if value.__class__ in PLAIN_TYPES:  # most values: no encoding to do
                    entity_data[name] = value
                elif value is not NOT_SET:
                    entity_data[name] = encode_value(value)
            batch.append(payload)
            created[identity] = payload
            last_payload[identity] = payload
        elif isinstance(operation, ftrack_api.operation.UpdateEntityOperation):
            payload = last_payload.get(identity)
            if payload is None or previous is not payload or payload["action"] == "delete":
                payload = {
                    "action": "update",
                    "entity_type": operation.entity_type,
                    "entity_key": list(operation.entity_key.values()),
                    "entity_data": {"__entity_type__": operation.entity_type},
                }
                batch.append(payload)
                last_payload[identity] = payload
            if operation.new_value is NOT_SET:
                payload["entity_data"].pop(operation.attribute_name, None)
            else:
                payload["entity_data"][operation.attribute_name] = encode_value(
                    operation.new_value
                )
        elif isinstance(operation, ftrack_api.operation.DeleteEntityOperation):
            if identity in created:
                # Never reached the server: drop everything recorded for it.
                batch = [item for item in batch if _payload_identity(item) != identity]
                del created[identity]
                last_payload.pop(identity, None)
                previous = None
                continue
            payload = {
                "action": "delete",
                "entity_type": operation.entity_type,
                "entity_key": list(operation.entity_key.values()),
            }
            batch.append(payload)
            last_payload[identity] = payload
        else:
            raise TypeError(f"Unknown operation {operation!r}")
        previous = batch[-1] if batch else None
    return [
        payload
        for payload in batch
        if payload["action"] != "update" or len(payload["entity_data"]) > 1
    ]


def _payload_identity(payload: Dict[str, Any]) -> Identity:
    return (payload["entity_type"], tuple(payload["entity_key"]))
