"""ftrack.update events after committed writes through POST /api (protocol.md 7.12)."""

import uuid

import pytest

from ..api.wire import Api, create, ref

VFX_SCHEME = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"


@pytest.fixture
def api(ftrack_server):
    api = Api(ftrack_server.url, ftrack_server.api_user, ftrack_server.api_key)
    api.client_token = "ftrack-javascript-api--" + uuid.uuid4().hex
    api.http.headers["ftrack-Clienttoken"] = api.client_token
    return api


@pytest.fixture
def listener(connect):
    peer = connect()
    assert peer.subscribe("topic=ftrack.update") == {"success": True}
    return peer


def _next_update(peer, api):
    """The next ftrack.update caused by ``api`` (other tests share the server)."""
    while True:
        update = peer.next_event()
        assert update["topic"] == "ftrack.update"
        if update["data"]["clientToken"] == api.client_token:
            return update


def _project(name):
    return create(
        "Project",
        name=name,
        full_name=name,
        project_schema=ref("ProjectSchema", VFX_SCHEME),
    )


def test_creating_updating_and_deleting_publish_updates(ftrack_server, api, listener):
    name = "upd" + uuid.uuid4().hex[:8]
    project = _project(name)
    project_id = project["entity_key"][0]
    sequence = create("Sequence", name="sq010", parent=ref("Project", project_id))
    sequence_id = sequence["entity_key"][0]
    api.ok([project, sequence])

    update = _next_update(listener, api)
    (admin,) = api.query(
        f"select first_name, last_name from User where username is {ftrack_server.api_user}"
    )
    hub_id = ftrack_server.server.events.id
    assert set(update) == {"id", "topic", "data", "source", "target", "sent", "inReplyToEvent"}
    assert update["source"] == {
        "id": hub_id,
        "user": {"username": ftrack_server.api_user, "id": admin["id"]},
    }
    assert update["target"] == ""
    data = update["data"]
    assert data["user"] == {
        "userid": admin["id"],
        "name": f"{admin['first_name']} {admin['last_name']}",
    }
    assert data["pushToken"] is None

    added = {entity["entityId"]: entity for entity in data["entities"]}
    assert added[project_id]["entity_type"] == "Project"
    assert added[project_id]["entityType"] == "show"
    assert added[project_id]["action"] == "add"
    assert added[project_id]["changes"]["name"] == {"old": None, "new": name}
    assert "name" in added[project_id]["keys"]
    assert added[sequence_id]["entity_type"] == "Sequence"
    assert added[sequence_id]["action"] == "add"
    assert added[sequence_id]["parentId"] == project_id
    assert [link["entityId"] for link in added[sequence_id]["parents"]] == [
        sequence_id,
        project_id,
    ]
    assert set(data["parents"]) >= {project_id, sequence_id}

    api.ok(
        [
            {
                "action": "update",
                "entity_type": "Sequence",
                "entity_key": [sequence_id],
                "entity_data": {"__entity_type__": "Sequence", "name": "sq020"},
            }
        ]
    )
    (changed,) = _next_update(listener, api)["data"]["entities"]
    assert changed["entityId"] == sequence_id
    assert changed["action"] == "update"
    assert changed["keys"] == ["name"]
    assert changed["changes"] == {"name": {"old": "sq010", "new": "sq020"}}

    api.ok([{"action": "delete", "entity_type": "Project", "entity_key": [project_id]}])
    removed = _next_update(listener, api)["data"]["entities"]
    assert {entity["entityId"]: entity["action"] for entity in removed}[project_id] == "remove"


def test_push_token_is_echoed(api, listener):
    api.http.headers["ftrack-pushtoken"] = "push-" + uuid.uuid4().hex
    api.ok([_project("push" + uuid.uuid4().hex[:8])])
    assert _next_update(listener, api)["data"]["pushToken"] == api.http.headers["ftrack-pushtoken"]


def _use_token(api):
    api.client_token = "token-" + uuid.uuid4().hex
    api.http.headers["ftrack-Clienttoken"] = api.client_token
    return api.client_token


def test_reads_and_failed_batches_publish_nothing(api, listener):
    # Updates are published in commit order, so anything from the first two
    # requests would arrive before the update of the third.
    quiet = [_use_token(api)]
    api.ok([{"action": "query", "expression": "Project"}])
    quiet.append(_use_token(api))
    failed = api.call([_project("fail" + uuid.uuid4().hex[:8]), create("Project")])
    assert "exception" in failed
    last = _use_token(api)
    api.ok([_project("ok" + uuid.uuid4().hex[:8])])

    tokens = []
    while last not in tokens:
        tokens.append(listener.next_event()["data"]["clientToken"])
    assert not set(quiet) & set(tokens)


def test_subscriptions_filter_updates_like_any_event(api, connect):
    wanted = "wanted-" + uuid.uuid4().hex
    peer = connect()
    peer.subscribe(f"topic=ftrack.update and data.clientToken={wanted}")
    _use_token(api)
    api.ok([_project("skip" + uuid.uuid4().hex[:8])])
    api.http.headers["ftrack-Clienttoken"] = wanted
    api.ok([_project("keep" + uuid.uuid4().hex[:8])])
    assert peer.next_event()["data"]["clientToken"] == wanted
