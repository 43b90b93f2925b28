"""The fresh-site dataset: well-known ids, integrity, project schema lookups, the admin."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import sqlalchemy as sa

import ftrack_api.symbol
from ftrack_server.model import load_model
from ftrack_server.model.types import ForeignKey
from ftrack_server.storage import seed_data
from ftrack_server.storage.credentials import user_for_api_key
from ftrack_server.storage.database import Database
from ftrack_server.storage.seed import AlreadySeededError, admin_user_id, is_seeded, seed
from ftrack_server.storage.tables import API_KEY_TABLE

VFX_SCHEME = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"


@pytest.fixture
def database():
    db = Database()
    yield db
    db.dispose()


@pytest.fixture
def seeded(database):
    with database.transaction() as connection:
        username, api_key = seed(connection)
    database.credentials = (username, api_key)
    return database


def rows(database, table_name, **where):
    table = database.table(table_name)
    query = sa.select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with database.transaction(write=False) as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def one(database, table_name, **where):
    found = rows(database, table_name, **where)
    assert len(found) == 1, f"{table_name} {where}: {len(found)} rows"
    return found[0]


def typed_context_classifiers():
    """Object type id of every TypedContext subtype, from the served schemas."""
    model = load_model()
    return {
        name: entity_type.fixed_values["object_type_id"]
        for name, entity_type in model.types.items()
        if "object_type_id" in entity_type.fixed_values
    }


# -- seeding -------------------------------------------------------------------------------


def test_is_seeded_turns_true_once_seed_commits(database):
    with database.transaction() as connection:
        assert not is_seeded(connection)
        seed(connection)
    with database.transaction(write=False) as connection:
        assert is_seeded(connection)


def test_seed_writes_inside_the_callers_transaction(database):
    with pytest.raises(RuntimeError, match="abort"), database.transaction() as connection:
        seed(connection)
        raise RuntimeError("abort")
    with database.transaction(write=False) as connection:
        assert not is_seeded(connection)
    assert rows(database, "task_status") == []


def test_seeding_twice_is_refused_and_changes_nothing(seeded):
    before = {table: len(rows(seeded, table)) for table in ("task_status", "resource")}
    with pytest.raises(AlreadySeededError), seeded.transaction() as connection:
        seed(connection, admin_username="other")
    after = {table: len(rows(seeded, table)) for table in ("task_status", "resource")}
    assert after == before
    assert rows(seeded, "resource", username="other") == []


def test_every_fresh_site_gets_the_same_ids():
    dumps = []
    for _ in range(2):
        database = Database()
        with database.transaction() as connection:
            seed(connection)
        dump = {}
        for table in database.metadata.tables.values():
            if table.name != API_KEY_TABLE:
                dump[table.name] = sorted(map(repr, rows(database, table.name)))
        dumps.append(dump)
        database.dispose()
    assert dumps[0] == dumps[1]
    assert dumps[0]["task_status"]


def test_derived_ids_are_pinned_uuid5_values():
    # Ids without a known ftrack id must never change between versions.
    assert seed_data.derived_id("State", "IN_PROGRESS") == str(
        uuid.uuid5(seed_data.SEED_NAMESPACE, "State/IN_PROGRESS")
    )
    assert str(seed_data.SEED_NAMESPACE) == "f9838085-857f-4269-9295-35baa6265f4b"
    assert seed_data.row_id("Status", "Done") == seed_data.derived_id("Status", "Done")
    assert seed_data.row_id("Status", "Not started") == "44dd9fb2-4164-11df-9218-0019bb4983d8"


# -- well-known ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location_id", "name"),
    [
        (ftrack_api.symbol.ORIGIN_LOCATION_ID, "ftrack.origin"),
        (ftrack_api.symbol.UNMANAGED_LOCATION_ID, "ftrack.unmanaged"),
        (ftrack_api.symbol.REVIEW_LOCATION_ID, "ftrack.review"),
        (ftrack_api.symbol.CONNECT_LOCATION_ID, "ftrack.connect"),
        (ftrack_api.symbol.SERVER_LOCATION_ID, "ftrack.server"),
    ],
)
def test_builtin_locations_exist_with_the_client_ids(seeded, location_id, name):
    location = one(seeded, "location", id=location_id)
    assert location["name"] == name
    assert location["label"]
    assert location["description"]


def test_every_schema_classifier_names_an_object_type(seeded):
    classifiers = typed_context_classifiers()
    assert set(classifiers) == {
        "Task",
        "Shot",
        "Sequence",
        "Episode",
        "Folder",
        "Milestone",
        "AssetBuild",
    }
    for type_name, object_type_id in classifiers.items():
        object_type = one(seeded, "object_type", id=object_type_id)
        assert object_type["name"].replace(" ", "") == type_name


def test_object_type_flags_match_a_real_site(seeded):
    by_name = {row["name"]: row for row in rows(seeded, "object_type")}
    task, milestone, folder = by_name["Task"], by_name["Milestone"], by_name["Folder"]
    assert task["is_leaf"] and task["is_time_reportable"] and task["is_statusable"]
    assert milestone["is_leaf"] and milestone["is_schedulable"]
    assert not folder["is_statusable"] and not folder["is_typeable"]
    assert by_name["Shot"]["is_taskable"] and not by_name["Shot"]["is_leaf"]
    assert all(row["icon"] for row in by_name.values())
    assert sorted(row["sort"] for row in by_name.values()) == list(range(len(by_name)))


def test_schema_default_priority_exists(seeded):
    model = load_model()
    defaults = {
        entity_type.attributes["priority_id"].default
        for entity_type in model.types.values()
        if "priority_id" in entity_type.attributes
        and isinstance(entity_type.attributes["priority_id"].default, str)
    }
    assert defaults == {seed_data.DEFAULT_PRIORITY_ID}
    assert one(seeded, "priority", id=seed_data.DEFAULT_PRIORITY_ID)["name"] == "None"
    names = [row["name"] for row in sorted(rows(seeded, "priority"), key=lambda r: r["sort"])]
    assert names == ["Urgent", "High", "Medium", "Low", "None"]


def test_states_and_not_started_statuses(seeded):
    states = {row["short"]: row for row in rows(seeded, "status_state")}
    assert set(states) == {"NOT_STARTED", "IN_PROGRESS", "BLOCKED", "DONE"}
    assert states["NOT_STARTED"]["id"] == "6c59abf8-4dbf-11e1-9902-f23c91df25eb"
    for status_id in (
        "014a40a6-4e65-11e1-b8af-f23c91df25eb",
        "44dd9fb2-4164-11df-9218-0019bb4983d8",
    ):
        assert one(seeded, "task_status", id=status_id)["state_id"] == states["NOT_STARTED"]["id"]
    assert one(seeded, "task_status", id="44dd9fb2-4164-11df-9218-0019bb4983d8")["name"] == (
        "Not started"
    )


def test_status_names_are_unique_and_include_the_documented_ones(seeded):
    statuses = rows(seeded, "task_status")
    names = [row["name"] for row in statuses]
    assert len(names) == len(set(names))
    assert {"Not started", "In progress", "Approved", "Client approved"} <= set(names)
    assert one(seeded, "task_status", name="In progress")["id"] == (
        "44ddd0fe-4164-11df-9218-0019bb4983d8"
    )
    for status in statuses:
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", status["color"])
        assert status["is_active"] is True


def test_task_types_carry_known_ids(seeded):
    assert one(seeded, "task_type", name="Compositing")["id"] == (
        "44dd23b6-4164-11df-9218-0019bb4983d8"
    )
    assert one(seeded, "task_type", name="Generic")["id"] == (
        "44dbfca2-4164-11df-9218-0019bb4983d8"
    )
    assert one(seeded, "task_type", name="Production")["is_billable"] is False
    assert one(seeded, "task_type", name="Animation")["is_billable"] is True


def test_fixed_lists_protocol_section_9_asks_for(seeded):
    attribute_types = {row["name"] for row in rows(seeded, "custom_attribute_type")}
    assert {"text", "number", "boolean", "date", "enumerator", "dynamic enumerator"} <= (
        attribute_types
    )
    assert all(row["core"] for row in rows(seeded, "custom_attribute_type"))
    roles = {row["name"] for row in rows(seeded, "security_role")}
    assert {"Administrator", "Project Manager", "User", "API"} <= roles
    assert one(seeded, "asset_type", short="upload")["name"] == "Upload"
    assert one(seeded, "note_category", name="Default")
    assert one(seeded, "list_category", name="Dailies")["id"] == (
        "77b9ab82-07c2-11e4-ba66-04011030cf01"
    )
    assert one(seeded, "user_type", id=seed_data.STANDARD_USER_TYPE_ID)


def test_storage_scenario_setting_holds_the_server_information_json(seeded):
    setting = one(seeded, "setting", name="storage_scenario", group="STORAGE")
    assert json.loads(setting["value"]) == {"scenario": "ftrack.automatic", "data": {}}
    assert json.loads(setting["value"]) == seed_data.STORAGE_SCENARIO


# -- integrity -----------------------------------------------------------------------------

_FOREIGN_KEY_HINT = re.compile(r"Foreign key\(s\): (\w+)\.(\w+)")


def foreign_keys():
    """(table, local columns, target table, target columns) for every known reference."""
    model = load_model()
    found = set()
    for entity_type in model.types.values():
        table = model.tables[entity_type.table]
        for attribute in entity_type.attributes.values():
            relation = attribute.relation
            if isinstance(relation, ForeignKey) and set(relation.columns) <= set(table.columns):
                target = model.types[attribute.target]
                found.add(
                    (table.name, relation.columns, target.table, tuple(relation.target_columns))
                )
            hint = _FOREIGN_KEY_HINT.search(
                entity_type.schema["properties"][attribute.name].get("description", "")
            )
            if hint and attribute.column and hint.group(1) in model.types:
                target = model.types[hint.group(1)]
                # Hints may spell the key by its storage name (``User.user_id``).
                target_column = hint.group(2)
                if target_column not in model.tables[target.table].columns:
                    (target_column,) = target.primary_key
                found.add((table.name, (attribute.column,), target.table, (target_column,)))
    found.add((API_KEY_TABLE, ("user_id",), "resource", ("id",)))
    return found


def test_every_foreign_key_points_at_an_existing_row(seeded):
    checked = foreign_keys()
    assert ("task_status", ("state_id",), "status_state", ("id",)) in checked
    assert ("schema_status", ("status_id",), "task_status", ("id",)) in checked
    assert ("project_schema_override", ("type_id",), "task_type", ("id",)) in checked
    dangling = []
    with seeded.transaction(write=False) as connection:
        for table_name, columns, target_name, target_columns in sorted(checked):
            table, target = seeded.table(table_name), seeded.table(target_name)
            match = sa.and_(
                *(
                    target.c[remote] == table.c[local]
                    for local, remote in zip(columns, target_columns)
                )
            )
            query = (
                sa.select(sa.func.count())
                .select_from(table)
                .where(*(table.c[column].is_not(None) for column in columns))
                .where(~sa.exists().where(match))
            )
            if connection.execute(query).scalar():
                dangling.append((table_name, columns, target_name))
    assert dangling == []


# -- project schema lookups (what ProjectSchema.get_statuses / get_types read) -------------


def schema_row(database):
    return one(database, "project_schema", id=VFX_SCHEME)


def workflow_status_names(database, workflow_id):
    links = rows(database, "workflow_schema_status", workflow_schema_id=workflow_id)
    return {one(database, "task_status", id=link["status_id"])["name"] for link in links}


def task_types(database):
    """get_types("Task"): the types of the schema's task type schema."""
    links = rows(
        database,
        "task_type_schema_type",
        task_type_schema_id=schema_row(database)["task_type_schema_id"],
    )
    return [one(database, "task_type", id=link["type_id"]) for link in links]


def task_statuses(database, type_id):
    """get_statuses("Task", type_id): the type's override workflow, else the task workflow."""
    overrides = rows(
        database, "project_schema_override", project_schema_id=VFX_SCHEME, type_id=type_id
    )
    if overrides:
        return workflow_status_names(database, overrides[0]["workflow_schema_id"])
    return workflow_status_names(database, schema_row(database)["task_workflow_schema_id"])


def object_type_schema(database, object_type_id):
    """The Schema row ``_schemas`` holds for an object type, if any."""
    found = rows(database, "schema", project_schema_id=VFX_SCHEME, object_type_id=object_type_id)
    return found[0] if found else None


def object_type_statuses(database, object_type_id):
    schema = object_type_schema(database, object_type_id)
    links = rows(database, "schema_status", schema_id=schema["id"]) if schema else []
    return [one(database, "task_status", id=link["status_id"])["name"] for link in links]


def object_type_types(database, object_type_id):
    schema = object_type_schema(database, object_type_id)
    links = rows(database, "schema_type", schema_id=schema["id"]) if schema else []
    return [one(database, "task_type", id=link["type_id"])["name"] for link in links]


def test_get_types_task_is_not_empty(seeded):
    names = [row["name"] for row in task_types(seeded)]
    assert "Generic" in names and "Compositing" in names


def test_get_statuses_task_answers_for_every_task_type(seeded):
    task_workflow = workflow_status_names(seeded, schema_row(seeded)["task_workflow_schema_id"])
    for task_type in task_types(seeded):
        assert task_statuses(seeded, task_type["id"]), task_type["name"]
    production = one(seeded, "task_type", name="Production")
    assert task_statuses(seeded, production["id"]) != task_workflow
    generic = one(seeded, "task_type", name="Generic")
    assert task_statuses(seeded, generic["id"]) == task_workflow
    assert "Not started" in task_workflow


def test_get_statuses_asset_version_is_not_empty(seeded):
    version_workflow = schema_row(seeded)["asset_version_workflow_schema_id"]
    assert {"Pending Review", "Approved"} <= workflow_status_names(seeded, version_workflow)


@pytest.mark.parametrize("type_name", ["Shot", "Sequence", "Episode", "AssetBuild", "Milestone"])
def test_get_statuses_of_statusable_object_types(seeded, type_name):
    object_type_id = typed_context_classifiers()[type_name]
    assert one(seeded, "object_type", id=object_type_id)["is_statusable"]
    assert object_type_statuses(seeded, object_type_id)


def test_get_types_of_typeable_object_types(seeded):
    classifiers = typed_context_classifiers()
    assert "Character" in object_type_types(seeded, classifiers["AssetBuild"])
    assert object_type_types(seeded, classifiers["Milestone"])
    assert object_type_types(seeded, classifiers["Shot"]) == []


def test_object_type_schemas_follow_the_object_type_flags(seeded):
    for object_type in rows(seeded, "object_type"):
        if object_type["name"] == "Task":
            assert object_type_schema(seeded, object_type["id"]) is None
            continue
        statuses = object_type_statuses(seeded, object_type["id"])
        types = object_type_types(seeded, object_type["id"])
        assert bool(statuses) == bool(object_type["is_statusable"]), object_type["name"]
        assert bool(types) == bool(object_type["is_typeable"]), object_type["name"]


def test_project_schema_links_every_object_type(seeded):
    assert schema_row(seeded)["name"] == "VFX Scheme"
    linked = {
        link["object_type_id"]
        for link in rows(seeded, "project_schema_object_type", project_schema_id=VFX_SCHEME)
    }
    assert linked == set(typed_context_classifiers().values())


# -- the administrator ---------------------------------------------------------------------


def test_admin_api_key_authenticates(seeded):
    username, api_key = seeded.credentials
    assert username == "admin"
    with seeded.transaction(write=False) as connection:
        user = user_for_api_key(connection, "admin", api_key)
        assert user == {"id": admin_user_id("admin"), "username": "admin"}
        assert user_for_api_key(connection, "admin", api_key + "x") is None
        assert user_for_api_key(connection, "someone", api_key) is None


def test_seed_uses_the_given_username_and_key(database):
    with database.transaction() as connection:
        result = seed(connection, admin_username="boss", admin_api_key="my-key")
    assert result == ("boss", "my-key")
    with database.transaction(write=False) as connection:
        assert user_for_api_key(connection, "boss", "my-key")["username"] == "boss"


def test_admin_is_an_active_administrator_for_all_projects(seeded):
    user = one(seeded, "resource", username="admin")
    assert user["resource_type"] == "user"
    assert user["is_active"] is True
    assert user["user_type_id"] == "ac9fa5aa-4361-11e0-b7cc-0019bb4983d8"
    assert user["email"] and user["first_name"] and user["last_name"]
    role_link = one(seeded, "user_security_role", user_id=user["id"])
    assert role_link["is_all_open_projects"] is True
    assert one(seeded, "security_role", id=role_link["security_role_id"])["name"] == (
        "Administrator"
    )
