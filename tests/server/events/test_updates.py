"""Building ftrack.update events from a batch's change records (protocol.md 7.12)."""

from ftrack_server.context import RequestContext
from ftrack_server.events.event import EVENT_KEYS
from ftrack_server.events.updates import affected_ids, update_event


def _records():
    shot = {
        "entityId": "shot-1",
        "entity_type": "Shot",
        "entityType": "task",
        "objectTypeId": "bad911de-3bd6-47b9-8b46-3476e237cb36",
        "action": "update",
        "keys": ["name"],
        "changes": {"name": {"old": "sh010", "new": "sh020"}},
        "parentId": "seq-1",
        "parents": [
            {
                "entityId": "shot-1",
                "entityType": "task",
                "entity_type": "Shot",
                "parentId": "seq-1",
            },
            {
                "entityId": "seq-1",
                "entityType": "task",
                "entity_type": "Sequence",
                "parentId": "p-1",
            },
            {"entityId": "p-1", "entityType": "show", "entity_type": "Project", "parentId": None},
        ],
    }
    note = {
        "entityId": "note-1",
        "entity_type": "Note",
        "entityType": "note",
        "action": "add",
        "keys": ["content"],
        "changes": {"content": {"old": None, "new": "hi"}},
        "parentId": None,
        "parents": [],
    }
    sequence = dict(shot, entityId="seq-1", parents=shot["parents"][1:])
    return [shot, note, sequence]


def test_update_event_shape():
    context = RequestContext(
        user_id="user-1", username="jane", client_token="client-9", push_token="push-3"
    )
    context.changes.extend(_records())
    event = update_event(context, "server-hub", "Jane Doe")

    assert tuple(event) == EVENT_KEYS
    assert event["topic"] == "ftrack.update"
    assert event["target"] == ""
    assert event["inReplyToEvent"] is None
    assert event["source"] == {"id": "server-hub", "user": {"username": "jane", "id": "user-1"}}
    data = event["data"]
    assert data["clientToken"] == "client-9"
    assert data["pushToken"] == "push-3"
    assert data["user"] == {"userid": "user-1", "name": "Jane Doe"}
    assert data["entities"] == _records()
    assert data["parents"] == ["shot-1", "seq-1", "p-1"]


def test_the_event_does_not_share_records_with_the_context():
    context = RequestContext(user_id="u", username="jane")
    context.changes.extend(_records())
    event = update_event(context, "hub", "Jane")
    event["data"]["entities"][0]["action"] = "changed"
    assert context.changes[0]["action"] == "update"
    assert event["data"]["clientToken"] is None


def test_affected_ids_skip_entities_without_parents():
    assert affected_ids([{"parents": []}, {"parents": None}, {}]) == []
