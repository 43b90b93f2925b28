"""Deletes take what the entity owns with them, and nothing else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ftrack_server.errors import NotFoundError, ValidationError


def ref(entity_type, entity_id):
    return {"__entity_type__": entity_type, "id": entity_id}


def build_production(w, site, shots=("sh-1",)):
    """Under the fixture project: assets, versions, components, notes, values, links."""
    w.create("Scope", ["sc-1"], {"name": "review"})
    w.update("Sequence", ["sq-1"], {"scopes": [ref("Scope", "sc-1")]})
    for index, shot in enumerate(shots):
        if shot != "sh-1":
            w.create("Shot", [shot], {"name": shot, "parent_id": "sq-1"})
        task, asset, version = f"t-{index}", f"a-{index}", f"v-{index}"
        w.create("Task", [task], {"name": "comp", "parent_id": shot})
        w.create("Asset", [asset], {"name": "plate", "context_id": shot})
        w.create("AssetVersion", [version], {"asset_id": asset, "task_id": task})
        w.create("FileComponent", [f"c-{index}"], {"version_id": version})
        w.create(
            "ComponentLocation",
            [f"cl-{index}"],
            {"component_id": f"c-{index}", "location_id": site.location_id},
        )
        w.create("Note", [f"n-{index}"], {"parent_id": task, "parent_type": "Task"})
        w.create("Note", [f"r-{index}"], {"in_reply_to_id": f"n-{index}"})
        w.create("NoteComponent", None, {"note_id": f"n-{index}", "component_id": f"c-{index}"})
        w.create(
            "Metadata", None, {"parent_id": shot, "parent_type": "Shot", "key": "k", "value": "v"}
        )
        w.update("ContextCustomAttributeValue", [site.fstart_id, shot], {"value": 1001})
        w.create(
            "Appointment",
            [f"ap-{index}"],
            {"type": "assignment", "context_id": task, "resource_id": site.user_id},
        )
        w.create(
            "Timelog",
            [f"tl-{index}"],
            {"context_id": task, "user_id": site.user_id, "start": "2024-01-01", "duration": 60},
        )


OWNED_TABLES = (
    "asset",
    "asset_version",
    "component",
    "component_location",
    "note",
    "note_component",
    "metadata",
    "custom_attribute_value",
    "appointment",
    "timelog",
    "context_scope",
)


def test_deleting_a_project_removes_its_whole_tree(batch, counts, rows, project, site):
    before = counts()
    batch(lambda w: build_production(w, site))
    assert all(counts()[table] > before[table] for table in OWNED_TABLES)
    batch(lambda w: w.delete("Project", ["p-1"]))
    after = counts()
    for table in (*OWNED_TABLES, "context", "context_closure"):
        assert after[table] == 0, table
    # What the project only referred to stays.
    assert [row["id"] for row in rows("scope")] == ["sc-1"]
    assert len(rows("resource")) == before["resource"]
    assert len(rows("task_status")) == before["task_status"]
    assert len(rows("location")) == before["location"]


def test_deleting_a_shot_keeps_its_siblings(batch, rows, project, site):
    batch(lambda w: build_production(w, site, shots=("sh-1", "sh-2")))
    batch(lambda w: w.delete("Shot", ["sh-2"]))
    assert sorted(row["id"] for row in rows("context")) == ["p-1", "sh-1", "sq-1", "t-0"]
    assert [row["id"] for row in rows("asset_version")] == ["v-0"]
    assert [row["entity_id"] for row in rows("custom_attribute_value")] == ["sh-1"]
    assert [row["id"] for row in rows("note")] == ["n-0", "r-0"]


def test_link_rows_go_but_linked_entities_stay(batch, rows, project, site):
    batch(lambda w: build_production(w, site))
    batch(lambda w: w.delete("Sequence", ["sq-1"]))
    assert rows("context_scope") == []
    assert [row["id"] for row in rows("scope")] == ["sc-1"]


def test_references_to_deleted_rows_are_cleared(batch, rows, project, site):
    def build(w):
        build_production(w, site)
        w.create("Sequence", ["sq-2"], {"name": "sq020", "parent_id": "p-1"})
        w.update("AssetVersion", ["v-0"], {"task_id": None})
        w.create("Task", ["t-other"], {"name": "other", "parent_id": "sq-2"})
        w.create("Asset", ["a-other"], {"name": "x", "context_id": "sq-2"})
        w.create("AssetVersion", ["v-other"], {"asset_id": "a-other", "task_id": "t-0"})
        w.create(
            "Timer", None, {"user_id": site.user_id, "context_id": "t-0", "start": "2024-01-01"}
        )

    batch(build)
    batch(lambda w: w.delete("Task", ["t-0"]))
    assert rows("asset_version", id="v-other")[0]["task_id"] is None
    assert rows("timer")[0]["context_id"] is None


def test_rows_keyed_by_a_deleted_row_go_with_it(batch, rows, project, site):
    batch(lambda w: build_production(w, site))
    batch(lambda w: w.delete("FileComponent", ["c-0"]))
    assert rows("note_component") == []
    assert rows("component_location") == []
    assert [row["id"] for row in rows("note")] == ["n-0", "r-0"]


def test_deleting_a_configuration_removes_its_values(batch, rows, project, site):
    batch(lambda w: build_production(w, site))
    batch(lambda w: w.delete("CustomAttributeConfiguration", [site.fstart_id]))
    assert rows("custom_attribute_value") == []


def test_guard_refuses_a_location_with_components(batch, rows, project, site):
    batch(lambda w: build_production(w, site))
    with pytest.raises(ValidationError, match="location_components"):
        batch(lambda w: w.delete("Location", [site.location_id]))
    batch(lambda w: w.delete("ComponentLocation", ["cl-0"]))
    batch(lambda w: w.delete("Location", [site.location_id]))
    assert rows("location") == []


def test_deleting_a_missing_entity(batch):
    with pytest.raises(NotFoundError, match="Shot with key nope"):
        batch(lambda w: w.delete("Shot", ["nope"]))


def test_deleting_with_the_wrong_type_is_not_found(batch, project):
    with pytest.raises(NotFoundError, match="Task with key sh-1"):
        batch(lambda w: w.delete("Task", "sh-1"))


def test_deleting_through_a_base_type(batch, rows, project):
    batch(lambda w: w.delete("Context", ["sh-1"]))
    assert rows("context", id="sh-1") == []


def test_deleting_by_a_composite_key(batch, rows, project, site):
    batch(lambda w: build_production(w, site))
    batch(lambda w: w.delete("Metadata", ["sh-1", "k"]))
    assert rows("metadata") == []


def test_failed_delete_leaves_everything(batch, counts, project, site):
    def build(w):
        build_production(w, site)
        w.create("FileComponent", ["c-free"], {"name": "loose"})
        w.create(
            "ComponentLocation",
            ["cl-free"],
            {"component_id": "c-free", "location_id": site.location_id},
        )

    batch(build)
    before = counts()

    def build(w):
        w.delete("Project", ["p-1"])
        w.delete("Location", [site.location_id])  # still has component locations

    with pytest.raises(ValidationError):
        batch(build)
    assert counts() == before


def test_statements_do_not_grow_with_the_number_of_rows(database, batch, project, site):
    def statements_to_delete(project_id, shots):
        batch(
            lambda w: (
                w.create(
                    "Project",
                    [project_id],
                    {"name": project_id, "project_schema_id": site.project_schema_id},
                ),
                w.create(
                    "Sequence", [f"{project_id}-sq"], {"name": "sq", "parent_id": project_id}
                ),
                *(
                    w.create(
                        "Shot",
                        [f"{project_id}-{n}"],
                        {"name": str(n), "parent_id": f"{project_id}-sq"},
                    )
                    for n in range(shots)
                ),
            )
        )
        seen = []

        def count(*_args):
            seen.append(1)

        sa.event.listen(database.engine, "before_cursor_execute", count)
        try:
            batch(lambda w: w.delete("Project", [project_id]))
        finally:
            sa.event.remove(database.engine, "before_cursor_execute", count)
        return len(seen)

    assert statements_to_delete("small", 2) == statements_to_delete("large", 40)


def test_delete_is_reported_once(batch, context, project):
    context.changes.clear()
    batch(lambda w: w.delete("Project", ["p-1"]))
    (entry,) = context.changes
    assert (entry["action"], entry["entityId"], entry["entityType"]) == ("remove", "p-1", "show")
