"""Projections, encoding, ordering, paging and aggregation of loaded query results."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ftrack_server.errors import ParseError
from ftrack_server.query.loader import execute_query, plan_for_expression
from ftrack_server.storage.database import Database

from .conftest import DEFAULT_PRIORITY, OBJECT_TYPES, SiteBuilder, at, scratch_database


def by_name(entities):
    return {entity["name"]: entity for entity in entities}


# -- the shape of entities ---------------------------------------------------------------------


class TestMinimalSet:
    def test_every_entity_carries_key_system_projections_and_classifier(self, query, ids):
        (task,) = query(f"select id from Task where id is {ids['task:sh010/compositing']}")
        assert task == {
            "__entity_type__": "Task",
            "id": ids["task:sh010/compositing"],
            "project_id": ids["project:dragons"],
            "context_type": "task",
            "object_type_id": OBJECT_TYPES["Task"],
        }

    def test_select_less_form_uses_default_projections(self, query):
        (project,) = query('Project where name is "thrones"')
        assert set(project) == {"__entity_type__", "id", "context_type", "name"}
        (metadata,) = query("Metadata where key is frame_padding")
        assert set(metadata) == {"__entity_type__", "parent_id", "key", "value", "parent_type"}

    def test_nested_entities_carry_the_minimal_set(self, query, ids):
        (version,) = query(
            f"select task from AssetVersion where id is {ids['version:dragon_model/v1']}"
        )
        assert version["task"] == {
            "__entity_type__": "Task",
            "id": ids["task:dragon/modeling"],
            "project_id": ids["project:dragons"],
            "context_type": "task",
            "object_type_id": OBJECT_TYPES["Task"],
        }

    def test_storage_only_default_projections_are_accepted(self, query, ids):
        (link,) = query("UserCustomAttributeLink")
        assert link["__entity_type__"] == "UserCustomAttributeLink"
        assert link["to_entity_type"] == "User"
        assert link["to_id"] == ids["user:john.doe"]


class TestConcreteTypes:
    def test_context_returns_most_derived_types(self, query):
        types = {entity["name"]: entity["__entity_type__"] for entity in query("Context")}
        assert types["dragons"] == "Project"
        assert types["sq010"] == "Sequence"
        assert types["sh010"] == "Shot"
        assert types["compositing"] == "Task"
        assert types["assets"] == "Folder"
        assert types["dragon"] == "AssetBuild"
        # A site-specific object type matches no schema type.
        assert types["castle"] == "TypedContext"

    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            ("Component", {"FileComponent", "SequenceComponent"}),
            ("Resource", {"User", "Group"}),
            ("List", {"TypedContextList", "AssetVersionList"}),
            (
                "CustomAttributeValue",
                {
                    "ContextCustomAttributeValue",
                    "AssetVersionCustomAttributeValue",
                    "UserCustomAttributeValue",
                },
            ),
            ("CustomAttributeLink", {"UserCustomAttributeLink"}),
            ("TypedContext where parent.name is sq010", {"Shot"}),
        ],
    )
    def test_base_types(self, query, expression, expected):
        assert {entity["__entity_type__"] for entity in query(expression)} == expected

    def test_classifiers_are_emitted(self, query):
        components = query("select name from Component")
        assert {component["system_type"] for component in components} == {"file", "sequence"}
        resources = query("select id from Resource")
        assert {resource["resource_type"] for resource in resources} == {"user", "group"}


class TestNestedProjections:
    def test_paths_nest_and_merge(self, query, ids):
        (task,) = query(
            "select status.name, status.state.short, status.color, type.name from Task "
            f"where id is {ids['task:sh010/compositing']}"
        )
        assert task["status"]["name"] == "Approved"
        assert task["status"]["color"] == "#ffffff"
        assert task["status"]["state"] == {
            "__entity_type__": "State",
            "id": ids["state:DONE"],
            "short": "DONE",
        }
        assert task["type"]["name"] == "Compositing"

    def test_null_reference_stays_null(self, query, ids):
        (task,) = query(
            f"select status.state.short from Task where id is {ids['task:sh020/compositing']}"
        )
        assert task["status"] is None

    def test_duplicate_projections_are_harmless(self, query):
        assert query("select name, status_id, name, status_id from Task") == query(
            "select name, status_id from Task"
        )

    def test_collections_are_complete_and_ordered_by_key(self, query, ids):
        (task,) = query(
            f"select timelogs.duration from Task where id is {ids['task:sh010/compositing']}"
        )
        timelogs = task["timelogs"]
        assert [timelog["id"] for timelog in timelogs] == sorted(
            [ids["timelog:comp_1"], ids["timelog:comp_2"]]
        )
        assert {timelog["duration"] for timelog in timelogs} == {3600.0, 1800.0}
        assert {timelog["__entity_type__"] for timelog in timelogs} == {"Timelog"}

    def test_empty_collection_is_an_empty_list(self, query, ids):
        (task,) = query(f"select timelogs from Task where id is {ids['task:dragon/modeling']}")
        assert task["timelogs"] == []

    def test_paths_through_collections_apply_to_every_item(self, query):
        assets = by_name(
            query("select name, versions.version, versions.components.name from Asset")
        )
        versions = assets["dragon_model"]["versions"]
        assert [
            version["version"] for version in sorted(versions, key=lambda v: v["version"])
        ] == [
            1,
            2,
            3,
        ]
        components = {
            version["version"]: sorted(component["name"] for component in version["components"])
            for version in versions
        }
        assert components == {1: ["main"], 2: [], 3: ["frames", "main"]}

    def test_collection_under_reference(self, query, ids):
        (task,) = query(
            f"select parent.children.name from Task where id is {ids['task:sh010/compositing']}"
        )
        assert sorted(child["name"] for child in task["parent"]["children"]) == [
            "animation",
            "compositing",
        ]

    def test_link_tables_and_closures(self, query, ids):
        (task,) = query(
            "select lists.name, ancestors.name from Task "
            f"where id is {ids['task:sh010/animation']}"
        )
        assert [item["name"] for item in task["lists"]] == ["Dailies"]
        assert task["lists"][0]["__entity_type__"] == "TypedContextList"
        assert sorted(ancestor["name"] for ancestor in task["ancestors"]) == ["sh010", "sq010"]
        (sequence_list,) = query("select items.name from List where name is Dailies")
        assert sorted(item["name"] for item in sequence_list["items"]) == [
            "animation",
            "compositing",
        ]

    def test_repeated_entities_are_expanded_everywhere(self, query):
        tasks = query("select status.name from Task where status.name is Approved")
        assert len(tasks) == 2
        assert all(task["status"]["name"] == "Approved" for task in tasks)

    def test_an_entity_inside_itself_is_expanded_with_its_path_projections(self, query, ids):
        v3 = ids["version:dragon_model/v3"]
        (version,) = query(
            f"select version, asset.versions.version from AssetVersion where id is {v3}"
        )
        nested = {item["id"]: item for item in version["asset"]["versions"]}
        assert nested[v3] == {
            "__entity_type__": "AssetVersion",
            "id": v3,
            "asset_id": ids["asset:dragon_model"],
            "version": 3,
        }

    def test_member_only_attributes_are_emitted_for_their_members(self, query):
        resources = query("select username, name, memberships.group.name from Resource")
        users = [r for r in resources if r["__entity_type__"] == "User"]
        groups = [r for r in resources if r["__entity_type__"] == "Group"]
        assert all("username" in user and "name" not in user for user in users)
        assert all("name" in group and "username" not in group for group in groups)
        john = next(user for user in users if user["username"] == "john.doe")
        assert [membership["group"]["name"] for membership in john["memberships"]] == ["Artists"]

    def test_same_name_different_kinds(self, query, ids):
        contexts = by_name(
            query(
                "select name, status, status.name from Context "
                f"where project_id is {ids['project:dragons']}"
            )
        )
        # Project.status is a string; typed contexts have a Status reference.
        assert contexts["dragons"]["status"] is None
        assert contexts["sh010"]["status"]["name"] == "Approved"
        assert contexts["sq010"]["status"] is None
        # Through a base type, "status.name" applies only where status is a reference.
        projects = query("select status.name from Context where context_type is show")
        assert projects and all("status" not in project for project in projects)

    def test_cast_in_projection_yields_null_for_other_members(self, query, ids):
        tasks = {task["id"]: task for task in query("select parent[Shot].name from Task")}
        assert tasks[ids["task:sh010/compositing"]]["parent"]["name"] == "sh010"
        assert tasks[ids["task:dragon/modeling"]]["parent"] is None

    def test_computed_reference(self, query):
        assets = by_name(query("select name, latest_version.version from Asset"))
        assert assets["dragon_model"]["latest_version"]["version"] == 3
        assert assets["sh010_plate"]["latest_version"]["version"] == 1


class TestValues:
    def test_datetimes(self, query, ids):
        (task,) = query(
            f"select start_date, end_date from Task where id is {ids['task:sh010/animation']}"
        )
        assert task["start_date"] == {"__type__": "datetime", "value": "2024-05-04T00:00:00"}
        assert task["end_date"] is None

    def test_booleans_and_numbers(self, query):
        users = {user["username"]: user for user in query("select username, is_active from User")}
        assert users["jenkins"]["is_active"] is False
        assert users["john.doe"]["is_active"] is True
        (component,) = query('select size from Component where name is "frame.1001.exr"')
        assert component["size"] == 1

    def test_transform_attributes_as_stored(self, query):
        (note,) = query('select parent_type from Note where content is "Fix the wings"')
        assert note["parent_type"] == "AssetVersion"

    def test_time_logged(self, query):
        tasks = by_name(query("select name, time_logged, bid_time_logged_difference from Task"))
        assert tasks["compositing"]["time_logged"] == 5400.0
        assert tasks["compositing"]["bid_time_logged_difference"] == 10.0 - 5400.0
        assert tasks["modeling"]["time_logged"] == 0.0

    def test_is_latest_version(self, query):
        versions = query(
            "select version, is_latest_version from AssetVersion where asset.name is dragon_model"
        )
        assert {v["version"]: v["is_latest_version"] for v in versions} == {
            1: False,
            2: False,
            3: True,
        }


class TestComputedUrlsAndLinks:
    def test_thumbnail_url(self, query, ids):
        shots = by_name(
            query("select name, thumbnail_url from Shot where project.name is dragons")
        )
        thumbnail = ids["component:sh010_thumbnail"]
        assert shots["sh010"]["thumbnail_url"] == {
            "url": f"http://ftrack.test/thumbnail/{thumbnail}"
        }
        assert shots["sh030"]["thumbnail_url"] is None

    def test_component_location_url(self, query, ids):
        locations = query("select url from ComponentLocation")
        assert len(locations) == 3
        for location in locations:
            assert location["url"] == {
                "url": f"http://ftrack.test/component/{location['component_id']}"
            }

    def test_link_of_contexts(self, query, ids):
        (task,) = query(
            f"select link, _link from Task where id is {ids['task:sh010/compositing']}"
        )
        assert task["link"] == [
            {"id": ids["project:dragons"], "name": "dragons", "type": "Project"},
            {"id": ids["sequence:sq010"], "name": "sq010", "type": "TypedContext"},
            {"id": ids["shot:sh010"], "name": "sh010", "type": "TypedContext"},
            {"id": ids["task:sh010/compositing"], "name": "compositing", "type": "TypedContext"},
        ]
        assert task["_link"] == task["link"]
        (project,) = query('select link from Project where name is "thrones"')
        assert project["link"] == [
            {"id": ids["project:thrones"], "name": "thrones", "type": "Project"}
        ]

    def test_link_of_versions(self, query, ids):
        (version,) = query(
            f"select link from AssetVersion where id is {ids['version:dragon_model/v2']}"
        )
        # Contexts from the project down, then the version named after its asset: the
        # asset has no item of its own (structures add its name from link[1:-1]).
        assert [item["name"] for item in version["link"]] == [
            "dragons",
            "assets",
            "dragon",
            "dragon_model v002",
        ]
        assert [item["type"] for item in version["link"]] == [
            "Project",
            "TypedContext",
            "TypedContext",
            "AssetVersion",
        ]
        assert version["link"][-1]["id"] == ids["version:dragon_model/v2"]

    def test_link_of_nested_entities(self, query, ids):
        (version,) = query(
            f"select task.link from AssetVersion where id is {ids['version:dragon_model/v1']}"
        )
        assert [item["name"] for item in version["task"]["link"]] == [
            "dragons",
            "assets",
            "dragon",
            "modeling",
        ]

    def test_link_of_groups(self, query):
        (group,) = query('select link from Group where name is "Comp"')
        assert [(item["name"], item["type"]) for item in group["link"]] == [
            ("Artists", "Group"),
            ("Comp", "Group"),
        ]


class TestCustomAttributesAndMetadata:
    def test_dense_values_with_defaults(self, query, ids):
        (shot,) = query(f"select custom_attributes from Shot where id is {ids['shot:sh010']}")
        values = {item["key"]: item for item in shot["custom_attributes"]}
        assert set(values) == {"fstart", "fend", "tags", "dragon_notes", "delivery", "fps"}
        assert values["fstart"]["value"] == 1010
        assert values["fend"]["value"] == 1150.5
        assert values["tags"]["value"] == []
        assert values["dragon_notes"]["value"] == "none"
        assert values["delivery"]["value"] is None
        assert values["fps"]["value"] == 25
        assert values["fstart"] == {
            "__entity_type__": "ContextCustomAttributeValue",
            "configuration_id": ids["configuration:fstart"],
            "entity_id": ids["shot:sh010"],
            "key": "fstart",
            "value": 1010,
        }

    def test_items_are_ordered_by_key(self, query):
        for shot in query("select custom_attributes from Shot"):
            keys = [item["configuration_id"] for item in shot["custom_attributes"]]
            assert keys == sorted(keys)

    def test_project_scoped_configurations(self, query, ids):
        (shot,) = query(
            f"select custom_attributes from Shot where id is {ids['shot:thrones/sh010']}"
        )
        keys = {item["key"] for item in shot["custom_attributes"]}
        assert "dragon_notes" not in keys
        assert {"fstart", "fps"} <= keys

    def test_values_of_other_owner_kinds(self, query, ids):
        (project,) = query('select custom_attributes from Project where name is "dragons"')
        assert {item["key"]: item["value"] for item in project["custom_attributes"]} == {
            "new_ingest": True,
            "fps": 24,
        }
        (task,) = query(
            f"select custom_attributes from Task where id is {ids['task:sh010/compositing']}"
        )
        assert {item["key"]: item["value"] for item in task["custom_attributes"]} == {
            "my_text_field": "bar",
            "fps": 24,
        }
        versions = query("select custom_attributes from AssetVersion where version is 3")
        (item,) = [i for i in versions[0]["custom_attributes"] if i["key"] == "reviewed"]
        assert item["__entity_type__"] == "AssetVersionCustomAttributeValue"
        assert item["value"] is True
        users = {u["username"]: u for u in query("select username, custom_attributes from User")}
        assert users["john.doe"]["custom_attributes"][0]["value"] == "E-001"
        assert users["jane.doe"]["custom_attributes"][0]["value"] == ""
        assert users["jane.doe"]["custom_attributes"][0]["__entity_type__"] == (
            "UserCustomAttributeValue"
        )

    def test_sub_projections_of_values(self, query, ids):
        (task,) = query(
            "select custom_attributes.configuration.key, "
            "custom_attributes.configuration.type.name "
            f"from Task where id is {ids['task:sh010/compositing']}"
        )
        types = {
            item["configuration"]["key"]: item["configuration"]["type"]["name"]
            for item in task["custom_attributes"]
        }
        assert types == {"my_text_field": "text", "fps": "number"}

    def test_metadata_items(self, query, ids):
        (sequence,) = query(f"select metadata from Sequence where id is {ids['sequence:sq010']}")
        assert sequence["metadata"] == [
            {
                "__entity_type__": "Metadata",
                "parent_id": ids["sequence:sq010"],
                "key": "frame_padding",
                "value": "4",
                "parent_type": "Sequence",
            }
        ]


# -- ordering and paging -----------------------------------------------------------------------


class TestOrdering:
    def test_nulls_first_ascending_last_descending(self, query):
        ascending = [task["bid"] for task in query("select bid from Task order by bid")]
        assert ascending[:2] == [None, None]
        assert ascending[2:] == [5.5, 10.0, 20.0]
        descending = [task["bid"] for task in query("select bid from Task order by bid desc")]
        assert descending == [20.0, 10.0, 5.5, None, None]

    def test_primary_key_breaks_ties_and_is_the_default(self, query):
        tasks = query("select bid from Task order by bid")
        assert tasks[0]["id"] < tasks[1]["id"]
        assert [t["id"] for t in query("Task")] == sorted(t["id"] for t in query("Task"))

    def test_strings_sort_case_insensitively(self, query):
        names = [task["name"] for task in query("select name from Task order by name")]
        assert names[:2] == ["anim_100%", "animation"]
        assert {names[2], names[3]} == {"Compositing", "compositing"}

    def test_order_through_references_and_directions(self, query):
        versions = query(
            "select asset.name, version from AssetVersion "
            "order by asset.name ascending, version descending"
        )
        assert [(v["asset"]["name"], v["version"]) for v in versions] == [
            ("dragon_model", 3),
            ("dragon_model", 2),
            ("dragon_model", 1),
            ("sh010_plate", 1),
        ]
        tasks = query("select name from Task order by status.sort desc, name asc")
        assert [task["name"] for task in tasks][-1] == "Compositing"  # no status: last

    def test_order_by_reference_uses_its_key(self, query):
        tasks = query("select status_id from Task order by status")
        assert tasks[0]["status_id"] is None


class TestPaging:
    def test_next_offset_when_more_rows_exist(self, run_query):
        result = run_query("select name from Task order by name limit 2")
        assert [t["name"] for t in result["data"]] == ["anim_100%", "animation"]
        assert result["metadata"] == {"next": {"offset": 2}}
        result = run_query("select name from Task order by name offset 2 limit 2")
        assert result["metadata"] == {"next": {"offset": 4}}

    def test_exactly_full_page_has_no_next(self, run_query):
        result = run_query("Task offset 3 limit 2")
        assert len(result["data"]) == 2
        assert result["metadata"] == {"next": {"offset": None}}

    def test_no_limit_returns_everything(self, run_query):
        result = run_query("Task")
        assert len(result["data"]) == 5
        assert result["metadata"] == {"next": {"offset": None}}
        assert len(run_query("Task offset 3")["data"]) == 2

    def test_limit_then_offset_and_limit_zero(self, run_query):
        assert len(run_query("Task limit 2 offset 1")["data"]) == 2
        assert run_query("Task limit 0") == {
            "action": "query",
            "data": [],
            "metadata": {"next": {"offset": None}},
        }

    def test_pages_are_stable_and_complete(self, query):
        every = [task["id"] for task in query("Task")]
        paged = []
        for offset in range(0, 5, 2):
            paged.extend(task["id"] for task in query(f"Task offset {offset} limit 2"))
        assert paged == every

    def test_nested_collections_are_not_paged(self, query):
        (asset,) = query("select versions from Asset order by name limit 1")
        assert len(asset["versions"]) == 3


# -- aggregation -------------------------------------------------------------------------------


class TestAggregation:
    def test_count_group_by(self, query, ids):
        rows = query(
            "select count(id), status_id from Task group by status_id "
            "order by count(id) desc, status_id"
        )
        assert rows[0] == {"count_id": 2, "status_id": rows[0]["status_id"]}
        assert {row["status_id"]: row["count_id"] for row in rows} == {
            ids["status:Approved"]: 2,
            ids["status:In progress"]: 2,
            None: 1,
        }
        assert all("__entity_type__" not in row for row in rows)

    def test_group_by_dotted_path_keys(self, query):
        rows = query(
            "select status.name, count(id), sum(bid) from Task group by status.name "
            "order by status.name"
        )
        assert rows == [
            {"status.name": None, "count_id": 1, "sum_bid": None},
            {"status.name": "Approved", "count_id": 2, "sum_bid": 10.0},
            {"status.name": "In progress", "count_id": 2, "sum_bid": 25.5},
        ]

    def test_aggregates_without_group_by(self, query):
        (row,) = query(
            "select count(id), count(bid), sum(bid), avg(bid), min(start_date), max(name), "
            "count(status) from Task"
        )
        assert row["count_id"] == 5
        assert row["count_bid"] == 3
        assert row["sum_bid"] == 35.5
        assert row["avg_bid"] == pytest.approx(35.5 / 3)
        assert row["min_start_date"] == {"__type__": "datetime", "value": "2024-05-03T00:00:00"}
        assert row["count_status"] == 4
        assert row["max_name"] in ("modeling",)

    def test_dotted_aggregate_key(self, query):
        (row,) = query("select max(parent.name) from Task where parent.name like sh%")
        assert row == {"max_parent_name": "sh030"}

    def test_paging_applies_to_rows(self, run_query):
        result = run_query("select count(id), type_id from Task group by type_id limit 2")
        assert len(result["data"]) == 2
        assert result["metadata"] == {"next": {"offset": 2}}

    def test_computed_values_aggregate(self, query):
        (row,) = query("select sum(time_logged) from Task")
        assert row == {"sum_time_logged": 12600.0}


# -- load_entities -----------------------------------------------------------------------------


class TestLoadEntities:
    def test_keeps_key_order_and_skips_missing(self, load, ids):
        keys = [
            (ids["task:sh010/animation"],),
            (str(uuid.uuid4()),),
            (ids["task:sh010/compositing"],),
        ]
        entities = load("Task", keys, ["name", "status.name"])
        assert [entity["name"] for entity in entities] == ["animation", "compositing"]
        assert entities[1]["status"]["name"] == "Approved"
        assert entities[0]["__entity_type__"] == "Task"

    def test_base_type_returns_concrete_types(self, load, ids):
        entities = load("Context", [(ids["shot:sh010"],), (ids["project:dragons"],)], [])
        assert [entity["__entity_type__"] for entity in entities] == ["Shot", "Project"]
        assert entities[0]["object_type_id"] == OBJECT_TYPES["Shot"]

    def test_member_type_filters_its_rows(self, load, ids):
        assert load("Shot", [(ids["task:sh010/animation"],)], []) == []

    def test_composite_keys(self, load, ids):
        keys = [(ids["sequence:sq010"], "frame_padding"), (ids["project:dragons"], "client")]
        entities = load("Metadata", keys, ["value"])
        assert [(entity["key"], entity["value"]) for entity in entities] == [
            ("frame_padding", "4"),
            ("client", "ACME"),
        ]

    def test_dense_custom_attributes(self, load, ids):
        (shot,) = load("Shot", [(ids["shot:sh020"],)], ["custom_attributes"])
        values = {item["key"]: item["value"] for item in shot["custom_attributes"]}
        assert values["tags"] == ["foo", "Bar"]
        assert values["fstart"] == 1001

    def test_bad_projection(self, load, ids):
        with pytest.raises(ParseError, match="Unknown attribute"):
            load("Task", [(ids["task:sh010/animation"],)], ["nonsense"])
        with pytest.raises(ParseError, match="Unknown entity type"):
            load("Nonsense", [("x",)], [])


# -- statements and caching --------------------------------------------------------------------


BENCH_EXPRESSION = (
    "select name, status.name, parent.name, parent.parent.name, link, custom_attributes, "
    "assignments.resource.username, timelogs.duration, metadata, time_logged from Task "
    "order by parent.name, name"
)


def _site_with_tasks(count: int) -> Database:
    database = scratch_database()
    with database.transaction() as connection:
        site = SiteBuilder(connection, database)
        ids = site.ids
        site.insert("object_type", id=OBJECT_TYPES["Task"], name="Task")
        site.insert("object_type", id=OBJECT_TYPES["Shot"], name="Shot")
        site.insert("priority", id=DEFAULT_PRIORITY, name="Medium", sort=1)
        site.insert("status_state", id=ids["state:done"], short="DONE", name="Done")
        site.insert("task_status", id=ids["status:ok"], name="OK", state_id=ids["state:done"])
        site.insert("resource", id=ids["user:u"], resource_type="user", username="u")
        site.insert("custom_attribute_type", id=ids["custom_attribute_type:text"], name="text")
        site.configuration("note", "text", "task", "", object_type="Task")
        project = site.project("bench")
        shot = site.typed_context("Shot", "shot:bench", "sh", project, project)
        for index in range(count):
            task = site.typed_context(
                "Task",
                f"task:{index}",
                f"task{index:04d}",
                shot,
                project,
                status_id=ids["status:ok"],
            )
            site.insert(
                "appointment",
                id=ids[f"appointment:{index}"],
                context_id=task,
                resource_id=ids["user:u"],
                type="assignment",
            )
            site.insert(
                "timelog",
                id=ids[f"timelog:{index}"],
                context_id=task,
                user_id=ids["user:u"],
                start=at(1),
                duration=60.0,
            )
            site.insert("metadata", parent_id=task, parent_type="Task", key="k", value=str(index))
            site.value("note", task, "context", f"note {index}")
    return database


def _count_statements(database: Database, model, context, expression: str):
    statements = []

    def record(conn, cursor, statement, parameters, context_, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.transaction(write=False) as connection:
            result = execute_query(connection, model, expression, context)
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", record)
    return statements, result


def test_statement_count_does_not_grow_with_rows(model, context):
    counts = {}
    for count in (10, 500):
        database = _site_with_tasks(count)
        try:
            statements, result = _count_statements(database, model, context, BENCH_EXPRESSION)
        finally:
            if not database.is_memory:
                database.metadata.drop_all(database.engine)
            database.dispose()
        assert len(result["data"]) == count
        task = result["data"][-1]
        assert task["assignments"][0]["resource"]["username"] == "u"
        assert task["custom_attributes"][0]["value"].startswith("note ")
        assert len(task["link"]) == 3
        counts[count] = len(statements)
    assert counts[10] == counts[500]
    # The root rows, four collections (assignments, timelogs, metadata, custom
    # attributes) and one link statement.
    assert counts[500] == 6


def test_plans_are_cached_per_expression(model):
    first = plan_for_expression(model, "select name from Task where bid > 1")
    assert plan_for_expression(model, "select name from Task where bid > 1") is first
    assert plan_for_expression(model, "select name from Task where bid > 2") is not first
    assert first.statement_count == 1


PORTABILITY_EXPRESSIONS = [
    BENCH_EXPRESSION + " offset 5 limit 10",
    'select name, thumbnail_url from Shot where start_date like "2024%" and bid > 1',
    "select version, link, asset.latest_version.version from AssetVersion where "
    "is_latest_version is true and id in (select id from AssetVersion order by version limit 2)",
    "select count(id), status.name, avg(bid), min(start_date) from Task group by status.name "
    "order by count(id) desc limit 2",
    'Shot where custom_attributes any (key is "fstart" and value > 1005 and value like "1%")',
    "select link from Group",
]


@pytest.mark.parametrize("expression", PORTABILITY_EXPRESSIONS)
def test_statements_compile_for_postgresql(model, expression):
    from sqlalchemy.dialects import postgresql

    plan = plan_for_expression(model, expression)
    statements = [level.statement for level in plan.levels]
    statements += [batch.statement for batch in plan.link_batches if batch.statement is not None]
    if plan.aggregate_statement is not None:
        statements.append(plan.aggregate_statement)
    assert statements
    for statement in statements:
        sql = str(statement.compile(dialect=postgresql.dialect()))
        assert "strftime" not in sql  # SQLite-only spelling stays out
        if "start_date like" in expression:
            assert "to_char(" in sql
