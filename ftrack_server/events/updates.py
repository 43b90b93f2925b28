"""``ftrack.update`` events: what a committed batch changed (protocol.md 7.12).

The writers record one change record per entity, already shaped like an entry of
``data.entities`` (see :mod:`ftrack_server.storage.changes`); one event carries all
the records of a batch.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Dict, List

import sqlalchemy as sa

from ftrack_server.events.event import Event

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.context import RequestContext
    from ftrack_server.storage.database import Database

TOPIC = "ftrack.update"


def update_event(context: RequestContext, hub_id: str, user_name: str) -> Event:
    """The ``ftrack.update`` event of the batch that ``context`` committed."""
    entities = [dict(record) for record in context.changes]
    return {
        "id": uuid.uuid4().hex,
        "topic": TOPIC,
        "data": {
            "clientToken": context.client_token,
            "pushToken": context.push_token,
            "user": {"userid": context.user_id, "name": user_name},
            "parents": affected_ids(entities),
            "entities": entities,
        },
        "source": {
            "id": hub_id,
            "user": {"username": context.username, "id": context.user_id},
        },
        "target": "",
        "sent": None,
        "inReplyToEvent": None,
    }


def affected_ids(entities: List[Dict[str, Any]]) -> List[Any]:
    """Ids of the changed contexts and all their ancestors, each once, in order seen."""
    seen: Dict[Any, None] = {}
    for entity in entities:
        for link in entity.get("parents") or ():
            identifier = link.get("entityId")
            if isinstance(identifier, str):
                seen.setdefault(identifier, None)
    return list(seen)


def user_display_name(database: Database, context: RequestContext) -> str:
    """The acting user's full name, or the username when no name is set."""
    users = database.table("resource")
    with database.transaction(write=False) as connection:
        row = connection.execute(
            sa.select(users.c.first_name, users.c.last_name).where(users.c.id == context.user_id)
        ).first()
    if row is None:
        return context.username
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    return name or context.username
