"""The /api endpoint over real HTTP: shapes, authentication, errors and atomicity."""

import json
import uuid

import requests

from .wire import Api, create, ref

VFX_SCHEME = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"


def _project(name=None):
    return create(
        "Project",
        name=name or "p" + uuid.uuid4().hex[:8],
        full_name="Project",
        project_schema=ref("ProjectSchema", VFX_SCHEME),
    )


def test_server_information(api, ftrack_server):
    information = api.ok([{"action": "query_server_information"}])[0]
    assert information["version"]
    assert information["schema_hash"] == ftrack_server.server.model.schema_hash
    assert information["storage_scenario"] == {"scenario": "ftrack.automatic", "data": {}}
    assert information["is_timezone_support_enabled"] is True


def test_schemas_are_served_bare_and_hash_to_the_advertised_value(api):
    information, schemas = api.ok(
        [{"action": "query_server_information"}, {"action": "query_schemas"}]
    )
    assert len(schemas) == 116
    assert "__entity_type__" not in json.dumps(schemas)
    import hashlib

    digest = hashlib.md5(json.dumps(schemas, sort_keys=True).encode()).hexdigest()
    assert digest == information["schema_hash"]


def test_bad_credentials_are_refused_and_change_nothing(api, ftrack_server):
    project = _project()
    response = requests.post(
        ftrack_server.url + "/api",
        json=[project],
        headers={"ftrack-user": ftrack_server.api_user, "ftrack-api-key": "wrong"},
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["exception"] == "InvalidCredentialsError"
    assert "ftrack-api-key" in body["content"]
    assert body["error_code"] is None
    assert api.query(f"Project where id is {project['entity_key'][0]}") == []


def test_strict_mode_uses_error_statuses(ftrack_server):
    response = requests.post(
        ftrack_server.url + "/api",
        json=[{"action": "query_server_information"}],
        headers={"ftrack-user": "nobody", "ftrack-api-key": "x", "ftrack-strict-api": "true"},
        timeout=30,
    )
    assert response.status_code == 401
    assert response.json()["exception"] == "InvalidCredentialsError"


def test_malformed_json_gets_an_error_object_and_the_server_keeps_serving(api):
    response = api.http.post(api.url + "/api", data=b"[{not json", timeout=30)
    body = response.json()
    assert body["exception"] == "ValidationError"
    assert "not valid JSON" in body["content"]
    assert api.ok([{"action": "query_server_information"}])


def test_body_must_be_a_list_of_objects(api):
    assert api.call({"action": "query"})["exception"] == "ValidationError"
    assert api.call([1])["exception"] == "ValidationError"


def test_unknown_action_names_it(api):
    body = api.call([{"action": "frobnicate"}])
    assert body["content"] == "Invalid action u'frobnicate'"


def test_results_are_in_request_order_with_action_keys(api):
    project = _project()
    project_id = project["entity_key"][0]
    created, queried, updated, information = api.ok(
        [
            project,
            {
                "action": "query",
                "expression": f"select name from Project where id is {project_id}",
            },
            {
                "action": "update",
                "entity_type": "Project",
                "entity_key": [project_id],
                "entity_data": {"__entity_type__": "Project", "full_name": "Renamed"},
            },
            {"action": "query_server_information"},
        ]
    )
    assert created["action"] == "create"
    assert created["data"]["__entity_type__"] == "Project"
    assert created["data"]["id"] == project_id
    assert queried["action"] == "query" and queried["data"][0]["id"] == project_id
    assert queried["metadata"] == {"next": {"offset": None}}
    assert updated == {
        "action": "update",
        "data": {**updated["data"], "full_name": "Renamed"},
    }
    assert "version" in information
    deleted = api.ok([{"action": "delete", "entity_type": "Project", "entity_key": [project_id]}])
    assert deleted == [{"action": "delete", "data": True}]


def test_a_failing_operation_leaves_nothing_behind(api):
    project = _project()
    project_id = project["entity_key"][0]
    body = api.call([project, {"action": "query", "expression": "select * from Project"}])
    assert body["exception"] == "ParseError"
    assert api.query(f"Project where id is {project_id}") == []


def test_query_errors_name_the_problem(api):
    for expression, start in [
        ("select id from Tsk", "Unknown entity type"),
        ("select nope from Task", "Unknown attribute"),
        ("Task where", "Failed to parse"),
    ]:
        body = api.call([{"action": "query", "expression": expression}])
        assert body["exception"] == "ParseError", body
        assert body["content"].startswith(start), body
        assert "{" not in body["content"]


def test_missing_required_value_is_a_validation_error(api):
    body = api.call([create("Location", label="no name")])
    assert body["exception"] == "ValidationError"
    assert "name" in body["content"]


def test_dangling_reference_is_refused(api):
    project = _project()
    project["entity_data"]["project_schema"] = ref("ProjectSchema", str(uuid.uuid4()))
    body = api.call([project])
    assert body["exception"] == "ValidationError"
    assert api.query(f"Project where id is {project['entity_key'][0]}") == []


def test_reset_remote_issues_a_new_key_and_revokes_the_old(ftrack_server_factory):
    server = ftrack_server_factory()
    api = Api(server.url, server.api_user, server.api_key)
    user_id = api.query(f'User where username is "{server.api_user}"')[0]["id"]
    result = api.ok(
        [
            {
                "action": "reset_remote",
                "reset_type": "api_key",
                "entity_type": "User",
                "entity_key": user_id,
            }
        ]
    )[0]
    new_key = result["data"]["api_key"]
    assert new_key and new_key != server.api_key
    assert api.call([{"action": "query_server_information"}])["exception"] == (
        "InvalidCredentialsError"
    )
    fresh = Api(server.url, server.api_user, new_key)
    assert fresh.ok([{"action": "query_server_information"}])
    refused = fresh.call(
        [
            {
                "action": "reset_remote",
                "reset_type": "name",
                "entity_type": "User",
                "entity_key": user_id,
            }
        ]
    )
    assert refused["exception"] == "ValidationError"


def _shot_under_new_project(api):
    project = _project()
    shot = create("Shot", name="sh010", parent=ref("Project", project["entity_key"][0]))
    api.ok([project, shot])
    return shot["entity_key"][0]


def test_created_entities_echo_what_reading_them_gives(api):
    shot_id = _shot_under_new_project(api)
    tasks = [
        create("Task", name=f"task{index}", parent=ref("Shot", shot_id)) for index in range(3)
    ]
    created = api.ok(tasks)
    for task, result in zip(tasks, created):
        data = result["data"]
        names = ", ".join(name for name in data if name not in ("__entity_type__", "parent"))
        (read,) = api.query(
            f"select {names}, parent from Task where id is {task['entity_key'][0]}"
        )
        echoed = {
            name: value
            for name, value in read.items()
            if value is not None or name in task["entity_data"]
        }
        assert data == echoed
        assert data["parent"]["__entity_type__"] == "Shot"
        assert data["created_at"]["__type__"] == "datetime"


def test_a_created_entity_shows_what_later_operations_of_its_batch_changed(api):
    shot_id = _shot_under_new_project(api)
    task = create("Task", name="before", parent=ref("Shot", shot_id))
    task_id = task["entity_key"][0]
    update = {
        "action": "update",
        "entity_type": "Task",
        "entity_key": [task_id],
        "entity_data": {"name": "after"},
    }
    created, _updated = api.ok([task, update])
    assert created["data"]["name"] == "after"


def test_an_entity_created_and_deleted_in_one_batch_answers_null(api):
    shot_id = _shot_under_new_project(api)
    task = create("Task", name="gone", parent=ref("Shot", shot_id))
    delete = {"action": "delete", "entity_type": "Task", "entity_key": task["entity_key"]}
    created, deleted = api.ok([task, delete])
    assert created == {"action": "create", "data": None}
    assert deleted == {"action": "delete", "data": True}


def test_a_created_entity_shows_a_collection_set_later_in_its_batch(api):
    shot_id = _shot_under_new_project(api)
    first = create("Asset", name="first", parent=ref("Shot", shot_id))
    version = create("AssetVersion", asset=ref("Asset", first["entity_key"][0]))
    version_id = version["entity_key"][0]
    second = create(
        "Asset",
        name="second",
        parent=ref("Shot", shot_id),
        versions=[ref("AssetVersion", version_id)],
    )
    _first, created_version, _second = api.ok([first, version, second])
    assert created_version["data"]["asset_id"] == second["entity_key"][0]
