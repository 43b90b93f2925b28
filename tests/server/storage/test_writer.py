"""Creates, updates and verify() of the writer, against a real in-memory database."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from ftrack_server.errors import DuplicateEntryError, NotFoundError, ValidationError
from ftrack_server.storage.write_plan import plans_for

from .conftest import MODEL


def ref(entity_type, entity_id):
    return {"__entity_type__": entity_type, "id": entity_id}


# -- create: keys, defaults, discriminators ------------------------------------------------


def test_create_takes_the_key_from_the_data_and_echoes_stored_attributes(batch, rows, project):
    result = batch(
        lambda w: w.create("Task", ["t-1"], {"id": "t-1", "name": "comp", "parent_id": "sh-1"})
    )
    assert result.entity_type == "Task"
    assert result.key == ("t-1",)
    assert {"id", "name", "parent_id", "status_id", "created_at"} <= set(result.attributes)
    assert rows("context", id="t-1")[0]["name"] == "comp"


def test_create_without_key_generates_a_uuid(batch, rows, site):
    result = batch(lambda w: w.create("User", None, {"__entity_type__": "User", "username": "x"}))
    uuid.UUID(result.key[0])
    assert rows("resource", id=result.key[0])[0]["username"] == "x"


def test_create_accepts_a_bare_string_key(batch, rows):
    batch(lambda w: w.create("Scope", "sc-1", {"name": "review"}))
    assert rows("scope", id="sc-1")[0]["name"] == "review"


def test_create_applies_schema_and_server_defaults(batch, rows, site):
    result = batch(lambda w: w.create("User", None, {"username": "new"}))
    user = rows("resource", id=result.key[0])[0]
    assert user["resource_type"] == "user"  # discriminator
    assert user["is_active"] is False
    assert user["require_details_update"] is False
    assert user["user_type_id"] == site.user_type_id


def test_create_user_without_username_gets_one(batch, rows):
    result = batch(lambda w: w.create("User", None, {"__entity_type__": "User"}))
    assert rows("resource", id=result.key[0])[0]["username"]


def test_create_sets_discriminators_of_the_type(batch, rows, project, site):
    batch(
        lambda w: (
            w.create("FileComponent", ["c-1"], {"name": "main"}),
            w.create("Group", ["g-1"], {"name": "artists"}),
            w.create("Folder", ["f-1"], {"name": "assets", "parent_id": "p-1"}),
        )
    )
    assert rows("component", id="c-1")[0]["system_type"] == "file"
    assert rows("resource", id="g-1")[0]["resource_type"] == "group"
    folder = rows("context", id="f-1")[0]
    assert (folder["context_type"], folder["object_type_id"]) == ("task", site.folder_object_type)


def test_create_refuses_a_discriminator_of_another_type(batch, project, site):
    data = {"name": "x", "parent_id": "p-1", "object_type_id": site.task_object_type}
    with pytest.raises(ValidationError, match="object_type_id"):
        batch(lambda w: w.create("Shot", ["s-x"], data))


def test_create_through_a_base_type_stores_the_concrete_type(batch, rows):
    result = batch(lambda w: w.create("Component", ["c-2"], {"system_type": "sequence"}))
    assert result.entity_type == "SequenceComponent"
    assert rows("component", id="c-2")[0]["name"] == "main"  # schema default


def test_project_gets_status_and_its_own_project_id(rows, project, context, site):
    stored = rows("context", id="p-1")[0]
    assert stored["project_id"] == "p-1"
    assert stored["status"] == "active"
    assert stored["created_by_id"] == site.user_id
    assert stored["created_at"] == site.now


def test_typed_context_takes_project_from_parent(rows, project):
    assert rows("context", id="sq-1")[0]["project_id"] == "p-1"
    assert rows("context", id="sh-1")[0]["project_id"] == "p-1"


def test_typed_context_status_and_type_come_from_the_project_schema(batch, rows, project, site):
    batch(
        lambda w: (
            w.create("Task", ["t-1"], {"name": "comp", "parent_id": "sh-1"}),
            w.create(
                "Task", ["t-2"], {"name": "anim", "parent_id": "sh-1", "type_id": site.animation}
            ),
        )
    )
    shot, comp, anim = (rows("context", id=key)[0] for key in ("sh-1", "t-1", "t-2"))
    assert shot["status_id"] == site.in_progress  # Shot schema, lowest sort first
    assert (comp["type_id"], comp["status_id"]) == (site.compositing, site.not_started)
    assert anim["status_id"] == site.in_progress  # the Animation override workflow


def test_unstatusable_object_types_stay_without_status(batch, rows, project):
    batch(lambda w: w.create("Folder", ["f-1"], {"name": "lib", "parent_id": "p-1"}))
    folder = rows("context", id="f-1")[0]
    assert folder["status_id"] is None
    assert folder["type_id"] is None


def test_asset_version_numbers_count_up_per_asset(batch, rows, project, site):
    def build(w):
        w.create("Asset", ["a-1"], {"name": "hero", "parent": ref("Shot", "sh-1")})
        w.create("AssetVersion", ["v-1"], {"asset": ref("Asset", "a-1")})
        w.create("AssetVersion", ["v-2"], {"asset_id": "a-1"})
        w.create("AssetVersion", ["v-9"], {"asset_id": "a-1", "version": 9})

    batch(build)
    first, second, explicit = (rows("asset_version", id=key)[0] for key in ("v-1", "v-2", "v-9"))
    assert (first["version"], second["version"], explicit["version"]) == (1, 2, 9)
    assert first["user_id"] == site.user_id
    assert first["date"] == site.now
    assert first["status_id"] == site.approved  # the version workflow


def test_note_gets_author_and_date(batch, rows, project, site):
    batch(
        lambda w: w.create(
            "Note", ["n-1"], {"content": "hi", "parent_id": "sh-1", "parent_type": "Shot"}
        )
    )
    note = rows("note", id="n-1")[0]
    assert (note["user_id"], note["date"], note["parent_type"]) == (site.user_id, site.now, "Shot")


def test_event_keys_are_generated_integers(batch, rows):
    result = batch(lambda w: w.create("Event", None, {"action": "change"}))
    assert result.key[0].isdigit()
    assert rows("social_event", id=int(result.key[0]))[0]["action"] == "change"


def test_values_are_converted_to_storage(batch, rows, project):
    start = {"__type__": "datetime", "value": "2024-01-02T10:00:00+02:00"}
    batch(
        lambda w: w.create(
            "Task", ["t-1"], {"parent_id": "sh-1", "start_date": start, "bid": "1.5", "sort": 2}
        )
    )
    task = rows("context", id="t-1")[0]
    assert (task["start_date"], task["bid"], task["sort"]) == (dt.datetime(2024, 1, 2, 8), 1.5, 2)


# -- create: validation ---------------------------------------------------------------------


def test_unknown_attribute_is_refused(batch):
    with pytest.raises(ValidationError, match="Unknown attribute colour for Scope"):
        batch(lambda w: w.create("Scope", None, {"name": "x", "colour": "red"}))


def test_value_of_the_wrong_type_is_refused(batch, project):
    with pytest.raises(ValidationError, match="bid"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"bid": "lots"}))


def test_computed_attribute_cannot_be_set(batch, project):
    with pytest.raises(ValidationError, match="computed"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"thumbnail_url": "x"}))


def test_required_attribute_missing(batch, site):
    with pytest.raises(ValidationError, match=r"Required attribute name missing for Project\."):
        batch(
            lambda w: w.create(
                "Project", None, {"name": None, "project_schema_id": site.project_schema_id}
            )
        )


def test_required_attribute_cannot_be_cleared(batch, project):
    with pytest.raises(ValidationError, match="Required attribute name missing for Shot"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"name": None}))


def test_typed_context_needs_a_parent(batch):
    with pytest.raises(ValidationError, match="parent"):
        batch(lambda w: w.create("Shot", None, {"name": "orphan"}))


def test_duplicate_key_is_refused(batch, project):
    with pytest.raises(DuplicateEntryError, match="sh-1"):
        batch(lambda w: w.create("Sequence", ["sh-1"], {"name": "x", "parent_id": "p-1"}))


def test_second_timer_of_a_user_is_a_duplicate(batch, site):
    batch(lambda w: w.create("Timer", None, {"user_id": site.user_id, "start": "2024-01-01"}))
    with pytest.raises(DuplicateEntryError, match="Timer"):
        batch(lambda w: w.create("Timer", None, {"user_id": site.user_id, "start": "2024-01-01"}))
    batch(
        lambda w: w.create("Timer", None, {"user_id": site.other_user_id, "start": "2024-01-01"})
    )


def test_reference_of_the_wrong_type_is_refused(batch, project):
    with pytest.raises(ValidationError, match="not a Context"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"parent": ref("User", "u-jane")}))


# -- payloads sending the same names ---------------------------------------------------------
# A payload is read by the layout of its sequence of names, worked out once per type
# (write_plan.PayloadLayout); each payload's values are still checked and converted.


@pytest.fixture
def fresh_layouts():
    """Forget the layouts of Task, so a test sees one built and then reused."""
    plans_for(MODEL).plan("Task")._layouts.clear()


def task_data(key, **values):
    data = {"__entity_type__": "Task", "id": key, "name": key, "parent": ref("Shot", "sh-1")}
    return {**data, **values}


def test_payloads_with_the_same_names_are_each_converted(
    batch, rows, project, fresh_layouts, site
):
    def build(w):
        for key, bid in (("t-1", 1.5), ("t-2", "2"), ("t-3", 3)):
            w.create("Task", [key], task_data(key, bid=bid))
        w.create("Task", ["t-4"], task_data("t-4", bid=0, name=7))
        w.create("Task", [5], {"name": "five", "parent": ref("Shot", "sh-1")})

    batch(build)
    tasks = {row["id"]: row for row in rows("context", object_type_id=site.task_object_type)}
    assert [tasks[key]["bid"] for key in ("t-1", "t-2", "t-3", "t-4")] == [1.5, 2.0, 3.0, 0.0]
    assert all(type(tasks[key]["bid"]) is float for key in ("t-2", "t-3", "t-4"))
    assert tasks["t-4"]["name"] == "7" and tasks["5"]["name"] == "five"
    assert {task["parent_id"] for task in tasks.values()} == {"sh-1"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bid": "lots"}, "Invalid value 'lots' for attribute bid of Task: expected a number, "),
        ({"name": ["a"]}, "Invalid value ['a'] for attribute name of Task: expected a string"),
        ({"parent": "sh-1"}, "Invalid value 'sh-1' for attribute parent of Task: expected an "),
        ({"parent": {"__entity_type__": "Shot"}}, "Invalid value for attribute parent of Task: "),
        ({"parent": ref("User", "u-jane")}, "Invalid value for attribute parent of Task: a User "),
        ({"name": None}, "Required attribute name missing for Task."),
        ({"priority_id": None}, "Required attribute priority_id missing for Task."),
    ],
)
@pytest.mark.parametrize("after_valid_ones", [False, True])
def test_a_value_that_does_not_fit_is_refused_however_many_came_before(
    batch, project, fresh_layouts, site, values, message, after_valid_ones
):
    """The same error, whether the layout of the names is new or reused."""
    names = {"priority_id": site.priority_id, "bid": 1.0}

    def build(w):
        for key in ["t-1", "t-2"] if after_valid_ones else []:
            w.create("Task", [key], task_data(key, **names))
        w.create("Task", ["t-bad"], task_data("t-bad", **{**names, **values}))

    with pytest.raises(ValidationError) as error:
        batch(build)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bid": "lots", "colour": "red"}, "Invalid value 'lots' for attribute bid of Task"),
        ({"colour": "red", "bid": "lots"}, "Unknown attribute colour for Task."),
        ({"parent": "sh-1", "bid": "lots"}, "Invalid value 'lots' for attribute bid of Task"),
        ({"thumbnail_url": "x", "bid": "lots"}, "Attribute thumbnail_url of Task is computed"),
    ],
)
def test_the_first_problem_of_a_payload_is_reported(batch, project, fresh_layouts, data, message):
    """Names in the order sent; references are read after the scalars."""
    for _attempt in range(2):  # with a new layout, then with the one kept
        with pytest.raises(ValidationError, match=message):
            batch(lambda w: w.create("Task", ["t-1"], {"name": "x", **data}))


def test_entity_keys_are_converted_to_the_key_type(batch, rows, project, site):
    def build(w):
        w.create("Task", [7], {"name": "seven", "parent_id": "sh-1"})
        w.create("Task", "t-8", {"name": "eight", "parent_id": "sh-1"})
        return w.create("Task", [None], {"id": "t-9", "name": "nine", "parent_id": "sh-1"})

    assert batch(build).key == ("t-9",)
    tasks = rows("context", object_type_id=site.task_object_type)
    assert [task["id"] for task in tasks] == ["7", "t-8", "t-9"]


def test_a_reference_by_several_columns_is_checked_in_verify(batch):
    def build(w):
        w.create("FileComponent", ["c-1"], {"name": "main"})
        w.create("SettingComponent", None, {"component_id": "c-1", "name": "nope", "group": "g"})

    with pytest.raises(ValidationError) as error:
        batch(build)
    assert str(error.value) == (
        "Invalid reference: SettingComponent.setting points at Setting nope, g "
        "which does not exist."
    )


# -- references and verify ---------------------------------------------------------------


def test_reference_sets_the_foreign_key(batch, rows, project, site):
    batch(lambda w: w.update("Shot", ["sh-1"], {"status": ref("Status", site.approved)}))
    assert rows("context", id="sh-1")[0]["status_id"] == site.approved


def test_null_reference_clears_the_foreign_key(batch, rows, project):
    batch(lambda w: w.update("Shot", ["sh-1"], {"thumbnail": None, "status": None}))
    assert rows("context", id="sh-1")[0]["status_id"] is None


def test_verify_reports_a_dangling_reference(batch, counts, project):
    before = counts()
    with pytest.raises(ValidationError, match=r"Shot\.status points at Status missing-status"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"status": ref("Status", "missing-status")}))
    assert counts() == before


def test_verify_checks_scalar_foreign_keys_and_the_referenced_type(batch, project):
    # sq-1 exists, but it is not a Project.
    with pytest.raises(ValidationError, match=r"List\.project points at Project sq-1"):
        batch(
            lambda w: w.create("List", None, {"project_id": "sq-1", "category_id": "lc-default"})
        )


def test_references_may_point_at_entities_created_later_in_the_batch(batch, rows, project):
    def build(w):
        w.create("Asset", ["a-1"], {"name": "hero", "context_id": "sh-1", "type_id": "at-new"})
        w.create("AssetType", ["at-new"], {"name": "New", "short": "new"})

    batch(build)
    assert rows("asset", id="a-1")[0]["type_id"] == "at-new"


def test_failed_batch_leaves_the_database_unchanged(batch, counts, rows, project):
    before = counts()

    def build(w):
        w.create("Sequence", ["sq-2"], {"name": "sq020", "parent_id": "p-1"})
        w.update("Shot", ["sh-1"], {"name": "renamed"})
        w.delete("Sequence", ["sq-1"])
        w.create("Scope", None, {"name": "x", "bogus": 1})

    with pytest.raises(ValidationError):
        batch(build)
    assert counts() == before
    assert rows("context", id="sh-1")[0]["name"] == "sh010"


# -- update ---------------------------------------------------------------------------------


def test_update_returns_the_given_attributes(batch, rows, project):
    result = batch(
        lambda w: w.update("Shot", "sh-1", {"__entity_type__": "Shot", "name": "sh020"})
    )
    assert (result.entity_type, result.key, result.attributes) == ("Shot", ("sh-1",), ("name",))
    assert rows("context", id="sh-1")[0]["name"] == "sh020"


def test_update_through_a_base_type_reports_the_concrete_type(batch, project):
    result = batch(lambda w: w.update("Context", ["sh-1"], {"name": "x"}))
    assert result.entity_type == "Shot"


def test_update_of_a_missing_entity(batch):
    with pytest.raises(NotFoundError, match="Shot with key nope"):
        batch(lambda w: w.update("Shot", ["nope"], {"name": "x"}))


def test_update_of_an_entity_of_another_type_is_not_found(batch, project):
    with pytest.raises(NotFoundError):
        batch(lambda w: w.update("Task", ["sh-1"], {"name": "x"}))


def test_immutable_attribute_cannot_change(batch, project, site):
    with pytest.raises(ValidationError, match="immutable"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"created_by_id": site.other_user_id}))


def test_immutable_attribute_may_be_sent_unchanged(batch, project, site):
    batch(lambda w: w.update("Shot", ["sh-1"], {"id": "sh-1", "created_by_id": site.user_id}))


def test_immutable_reference_cannot_change(batch, project, site):
    with pytest.raises(ValidationError, match="object_type"):
        batch(
            lambda w: w.update(
                "Shot", ["sh-1"], {"object_type": ref("ObjectType", site.task_object_type)}
            )
        )


# -- custom attribute values ----------------------------------------------------------------


def test_custom_attribute_value_update_inserts_when_missing(batch, rows, project, site):
    def set_value(value):
        return lambda w: w.update(
            "ContextCustomAttributeValue",
            [site.fstart_id, "sh-1"],
            {"__entity_type__": "ContextCustomAttributeValue", "value": value},
        )

    batch(set_value(1001))
    stored = rows("custom_attribute_value", entity_id="sh-1")
    assert [(row["key"], row["_kind"], json.loads(row["value"])) for row in stored] == [
        ("fstart", "context", 1001)
    ]
    batch(set_value(1002))
    stored = rows("custom_attribute_value", entity_id="sh-1")
    assert [json.loads(row["value"]) for row in stored] == [1002]


def test_custom_attribute_value_type_is_checked(batch, project, site):
    with pytest.raises(ValidationError, match="fstart"):
        batch(
            lambda w: w.update(
                "ContextCustomAttributeValue", [site.fstart_id, "sh-1"], {"value": "soon"}
            )
        )


def test_custom_attribute_value_of_another_family_is_refused(batch, project, site):
    with pytest.raises(ValidationError, match="AssetVersionCustomAttributeValue"):
        batch(
            lambda w: w.update(
                "ContextCustomAttributeValue", [site.approved_ca_id, "sh-1"], {"value": True}
            )
        )


def test_custom_attribute_value_of_an_unknown_configuration(batch, project):
    with pytest.raises(ValidationError, match="CustomAttributeConfiguration nope"):
        batch(lambda w: w.update("ContextCustomAttributeValue", ["nope", "sh-1"], {"value": 1}))


def test_custom_attribute_value_through_the_base_type(batch, rows, project, site):
    result = batch(
        lambda w: w.update("CustomAttributeValue", [site.brief_id, "p-1"], {"value": "go"})
    )
    assert result.entity_type == "ContextCustomAttributeValue"
    assert rows("custom_attribute_value", entity_id="p-1")[0]["key"] == "brief"


def test_custom_attribute_link_ends_come_from_its_configuration(batch, rows, project, site):
    def build(w):
        w.create(
            "CustomAttributeLinkConfiguration",
            ["cl-owner"],
            {"key": "owner", "entity_type": "task", "entity_type_to": "user", "config": "{}"},
        )
        return w.create(
            "CustomAttributeLink",
            None,
            {
                "configuration": ref("CustomAttributeLinkConfiguration", "cl-owner"),
                "from_id": "sh-1",
                "to_id": site.user_id,
            },
        )

    result = batch(build)
    assert result.entity_type == "UserCustomAttributeLink"
    link = rows("custom_attribute_link", id=result.key[0])[0]
    assert (link["from_entity_type"], link["to_entity_type"]) == ("TypedContext", "User")
    assert link["configuration_id"] == "cl-owner"


# -- collections ----------------------------------------------------------------------------


def test_one_to_many_collection_claims_items_and_keeps_the_rest(batch, rows, project):
    def build(w):
        w.create("Asset", ["a-1"], {"name": "hero", "context_id": "sh-1"})
        w.create("AssetVersion", ["v-1"], {"asset_id": "a-1"})
        w.create("AssetVersion", ["v-2"], {"asset_id": "a-1"})
        for key in ("c-1", "c-2", "c-3"):
            w.create("FileComponent", [key], {"version_id": "v-1"})

    batch(build)
    batch(
        lambda w: w.update(
            "AssetVersion",
            ["v-2"],
            {"components": [ref("FileComponent", "c-1"), ref("FileComponent", "c-2")]},
        )
    )
    owners = {row["id"]: row["version_id"] for row in rows("component")}
    assert owners == {"c-1": "v-2", "c-2": "v-2", "c-3": "v-1"}


def test_one_to_many_collection_with_a_missing_item(batch, project):
    def build(w):
        w.create("Asset", ["a-1"], {"name": "hero", "context_id": "sh-1"})
        w.create("AssetVersion", ["v-1"], {"asset_id": "a-1"})
        w.update("AssetVersion", ["v-1"], {"components": [ref("FileComponent", "nope")]})

    with pytest.raises(ValidationError, match="components lists Component nope"):
        batch(build)


def test_collection_with_a_where_sets_the_fixed_value(batch, rows, project, site):
    def build(w):
        w.create(
            "Appointment",
            ["ap-1"],
            {"type": "allocation", "context_id": "p-1", "resource_id": site.user_id},
        )
        w.update("Shot", ["sh-1"], {"assignments": [ref("Appointment", "ap-1")]})

    batch(build)
    appointment = rows("appointment", id="ap-1")[0]
    assert (appointment["context_id"], appointment["type"]) == ("sh-1", "assignment")


def test_owner_keyed_items_stay_with_their_owner(batch, rows, project):
    metadata = {"__entity_type__": "Metadata", "parent_id": "sh-1", "key": "k"}

    def build(w):
        w.create(
            "Metadata",
            None,
            {"parent_id": "sh-1", "parent_type": "Shot", "key": "k", "value": "v"},
        )
        w.update("Shot", ["sh-1"], {"metadata": [metadata]})

    batch(build)
    assert rows("metadata", parent_id="sh-1")[0]["value"] == "v"
    with pytest.raises(ValidationError, match="belongs to another entity"):
        batch(lambda w: w.update("Sequence", ["sq-1"], {"metadata": [metadata]}))


def test_many_to_many_collection_replaces_the_links(batch, rows, project):
    def build(w):
        for key in ("sc-1", "sc-2", "sc-3"):
            w.create("Scope", [key], {"name": key})
        w.update("Shot", ["sh-1"], {"scopes": [ref("Scope", "sc-1"), ref("Scope", "sc-2")]})

    batch(build)
    batch(
        lambda w: w.update(
            "Shot", ["sh-1"], {"scopes": [ref("Scope", "sc-2"), ref("Scope", "sc-3")]}
        )
    )
    assert [row["scope_id"] for row in rows("context_scope", context_id="sh-1")] == [
        "sc-2",
        "sc-3",
    ]
    assert len(rows("scope")) == 3  # the scopes themselves stay


def test_many_to_many_links_with_their_own_ids(batch, rows, project, site):
    def build(w):
        w.create(
            "TypedContextList",
            ["l-1"],
            {"name": "dailies", "project_id": "p-1", "category_id": site.category_id},
        )
        w.update("TypedContextList", ["l-1"], {"items": [ref("Shot", "sh-1")]})

    batch(build)
    link = rows("list_object", list_id="l-1")[0]
    assert link["entity_id"] == "sh-1"
    uuid.UUID(link["id"])


def test_many_to_many_with_a_missing_item_fails_in_verify(batch, project):
    with pytest.raises(ValidationError, match="Scope nope"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"scopes": [ref("Scope", "nope")]}))


def test_closure_collections_cannot_be_set(batch, project):
    with pytest.raises(ValidationError, match="ancestors"):
        batch(lambda w: w.update("Shot", ["sh-1"], {"ancestors": []}))


# -- change records -------------------------------------------------------------------------


def test_change_records_of_create_update_and_delete(batch, context, project, site):
    context.changes.clear()
    batch(
        lambda w: (
            w.create("Task", ["t-1"], {"name": "comp", "parent_id": "sh-1"}),
            w.update("Shot", ["sh-1"], {"name": "sh020"}),
            w.delete("Task", ["t-1"]),
        )
    )
    add, update, remove = context.changes
    assert add["action"] == "add"
    assert (add["entityId"], add["entity_type"], add["entityType"]) == ("t-1", "Task", "task")
    assert add["objectTypeId"] == site.task_object_type
    assert add["changes"]["name"] == {"old": None, "new": "comp"}
    assert update["action"] == "update"
    assert update["keys"] == ["name"]
    assert update["changes"] == {"name": {"old": "sh010", "new": "sh020"}}
    assert update["parentId"] == "sq-1"
    assert [parent["entityId"] for parent in update["parents"]] == ["sh-1", "sq-1", "p-1"]
    assert [parent["entityType"] for parent in update["parents"]] == ["task", "task", "show"]
    assert remove["action"] == "remove"
    assert [parent["entityId"] for parent in remove["parents"]] == ["t-1", "sh-1", "sq-1", "p-1"]


def test_unchanged_update_records_nothing(batch, context, project):
    context.changes.clear()
    batch(lambda w: w.update("Shot", ["sh-1"], {"name": "sh010"}))
    assert context.changes == []


def test_custom_attribute_change_is_reported_on_its_owner(batch, context, project, site):
    context.changes.clear()
    batch(
        lambda w: w.update("ContextCustomAttributeValue", [site.fstart_id, "sh-1"], {"value": 7})
    )
    (entry,) = context.changes
    assert (entry["entityId"], entry["entityType"], entry["keys"]) == ("sh-1", "task", ["fstart"])
    assert entry["changes"] == {"fstart": {"old": None, "new": 7}}


def test_legacy_names_of_types_without_alias(batch, context):
    context.changes.clear()
    batch(lambda w: w.create("Scope", None, {"name": "x"}))
    assert context.changes[0]["entityType"] == "scope"


# -- odds and ends --------------------------------------------------------------------------


def test_polymorphic_parents_commit(batch, rows, project, site):
    """``status_change.parent_id`` holds Task and AssetVersion ids alike."""

    def build(w):
        w.create("Asset", ["a-1"], {"name": "hero", "context_id": "sh-1"})
        w.create("AssetVersion", ["v-1"], {"asset_id": "a-1"})
        for key, parent, parent_type in (
            ("sc-1", "sh-1", "Shot"),
            ("sc-2", "v-1", "AssetVersion"),
        ):
            w.create(
                "StatusChange",
                [key],
                {"parent_id": parent, "parent_type": parent_type, "status_id": site.approved},
            )

    batch(build)
    assert [row["parent_id"] for row in rows("status_change")] == ["sh-1", "v-1"]


def test_entity_data_of_another_type_is_refused(batch):
    with pytest.raises(ValidationError, match="does not fit"):
        batch(lambda w: w.create("Scope", None, {"__entity_type__": "User", "name": "x"}))


def test_entity_key_of_the_wrong_length_is_refused(batch, project):
    with pytest.raises(ValidationError, match="Invalid entity key"):
        batch(lambda w: w.update("Shot", ["sh-1", "extra"], {"name": "x"}))
