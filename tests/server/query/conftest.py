"""A small, realistic site for query engine tests, inserted straight into the tables.

Two projects (``dragons`` with sequences, shots, tasks, an asset build, assets and
versions; ``thrones`` with one sequence), users and a group, statuses/types/priorities,
components with locations, metadata, notes, time logs, custom attribute configurations
and values, lists and appointments. Ids are readable names turned into stable UUIDs:
``ids["shot:sh010"]``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any, Dict, List, Optional

import pytest
import sqlalchemy as sa

from ftrack_server.context import RequestContext
from ftrack_server.model import load_model
from ftrack_server.query.loader import execute_query, load_entities
from ftrack_server.storage.database import Database

OBJECT_TYPES = {
    "Task": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c",
    "Shot": "bad911de-3bd6-47b9-8b46-3476e237cb36",
    "Sequence": "e5139355-61da-4c8f-9db4-3abc870166bc",
    "Folder": "3c133785-51cb-11e3-980a-20c9d0831e59",
    "Asset Build": "4be63b64-5010-42fb-bf1f-428af9d638f0",
}
DEFAULT_PRIORITY = "9661b320-3a0c-11e2-81c1-0800200c9a66"
_NAMESPACE = uuid.UUID("6f0c1c9e-2f7d-4b6e-9a51-0d3c2f3b9a10")


class Ids:
    """Stable ids from readable names: ``ids["task:sh010/compositing"]``."""

    def __getitem__(self, name: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, name))


def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A stored date-time in May 2024 (naive UTC)."""
    return dt.datetime(2024, 5, day, hour, minute)


class SiteBuilder:
    """Inserts rows, keeping the context tree's closure table up to date."""

    def __init__(self, connection: sa.engine.Connection, database: Database) -> None:
        self.connection = connection
        self.database = database
        self.ids = Ids()
        self._parents: Dict[str, Optional[str]] = {}

    def insert(self, table: str, **values: Any) -> Dict[str, Any]:
        self.connection.execute(self.database.table(table).insert(), values)
        return values

    # -- contexts -------------------------------------------------------------------------

    def project(self, name: str, **values: Any) -> str:
        project_id = self.ids[f"project:{name}"]
        self.insert(
            "context",
            id=project_id,
            name=name,
            full_name=values.pop("full_name", name.title()),
            context_type="show",
            project_id=project_id,
            created_at=at(1),
            **values,
        )
        self._add_to_tree(project_id, None)
        return project_id

    def typed_context(
        self, kind: str, key: str, name: str, parent: str, project: str, **values: Any
    ) -> str:
        context_id = self.ids[key]
        values.setdefault("priority_id", DEFAULT_PRIORITY)
        self.insert(
            "context",
            id=context_id,
            name=name,
            parent_id=parent,
            project_id=project,
            context_type="task",
            object_type_id=OBJECT_TYPES[kind],
            created_at=at(2),
            **values,
        )
        self._add_to_tree(context_id, parent)
        return context_id

    def _add_to_tree(self, context_id: str, parent: Optional[str]) -> None:
        self._parents[context_id] = parent
        depth, ancestor = 1, parent
        while ancestor is not None:
            self.insert(
                "context_closure", ancestor_id=ancestor, descendant_id=context_id, depth=depth
            )
            depth, ancestor = depth + 1, self._parents[ancestor]

    # -- custom attributes ----------------------------------------------------------------

    def configuration(
        self,
        key: str,
        type_name: str,
        entity_type: str,
        default: Any,
        object_type: Optional[str] = None,
        **values: Any,
    ) -> str:
        configuration_id = self.ids[f"configuration:{key}"]
        self.insert(
            "custom_configuration",
            id=configuration_id,
            _kind="attribute",
            key=key,
            label=key.replace("_", " ").title(),
            type_id=self.ids[f"custom_attribute_type:{type_name}"],
            entity_type=entity_type,
            object_type_id=None if object_type is None else OBJECT_TYPES[object_type],
            default=json.dumps(default, sort_keys=True),
            is_hierarchical=values.pop("is_hierarchical", False),
            config="{}",
            core=False,
            sort=0,
            **values,
        )
        return configuration_id

    def value(self, key: str, entity_id: str, kind: str, value: Any) -> None:
        self.insert(
            "custom_attribute_value",
            configuration_id=self.ids[f"configuration:{key}"],
            entity_id=entity_id,
            key=key,
            _kind=kind,
            value=json.dumps(value, sort_keys=True),
        )


def build_site(database: Database) -> Ids:
    """Insert the test site; return its ids."""
    with database.transaction() as connection:
        site = SiteBuilder(connection, database)
        _reference_data(site)
        _people(site)
        _dragons(site)
        _thrones(site)
        _custom_attributes(site)
    return site.ids


def _reference_data(site: SiteBuilder) -> None:
    ids = site.ids
    for name, object_type_id in OBJECT_TYPES.items():
        site.insert("object_type", id=object_type_id, name=name, sort=0, is_leaf=name == "Task")
    for short, name in (("NOT_STARTED", "Not started"), ("IN_PROGRESS", "In progress")):
        site.insert("status_state", id=ids[f"state:{short}"], short=short, name=name)
    site.insert("status_state", id=ids["state:DONE"], short="DONE", name="Done")
    site.insert("status_state", id=ids["state:BLOCKED"], short="BLOCKED", name="Blocked")
    for name, state, sort in (
        ("Not started", "NOT_STARTED", 1),
        ("In progress", "IN_PROGRESS", 2),
        ("Approved", "DONE", 3),
        ("On hold", "BLOCKED", 4),
    ):
        site.insert(
            "task_status",
            id=ids[f"status:{name}"],
            name=name,
            state_id=ids[f"state:{state}"],
            sort=sort,
            color="#ffffff",
            is_active=True,
        )
    for name, sort in (("Compositing", 1), ("Animation", 2), ("Modeling", 3)):
        site.insert("task_type", id=ids[f"type:{name}"], name=name, sort=sort, is_billable=True)
    site.insert("priority", id=ids["priority:Low"], name="Low", sort=1, value=1.0)
    site.insert("priority", id=DEFAULT_PRIORITY, name="Medium", sort=2, value=2.0)
    site.insert("priority", id=ids["priority:High"], name="High", sort=3, value=3.0)
    site.insert("user_type", id=ids["user_type:user"], name="user")
    for name in ("text", "number", "boolean", "date", "enumerator"):
        site.insert("custom_attribute_type", id=ids[f"custom_attribute_type:{name}"], name=name)
    site.insert("asset_type", id=ids["asset_type:geo"], name="Geometry", short="geo")
    site.insert("asset_type", id=ids["asset_type:plate"], name="Plate", short="plate")
    for name in ("ftrack.server", "ftrack.unmanaged"):
        site.insert("location", id=ids[f"location:{name}"], name=name, label=name)
    site.insert("list_category", id=ids["list_category:Dailies"], name="Dailies")
    site.insert("note_category", id=ids["note_category:Internal"], name="Internal", sort=1)


def _people(site: SiteBuilder) -> None:
    ids = site.ids
    for username, first, last, active in (
        ("john.doe", "John", "Doe", True),
        ("jane.doe", "Jane", "Doe", True),
        ("jenkins", "Leeroy", "Jenkins", False),
    ):
        site.insert(
            "resource",
            id=ids[f"user:{username}"],
            resource_type="user",
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            is_active=active,
            user_type_id=ids["user_type:user"],
        )
    site.insert("resource", id=ids["group:Artists"], resource_type="group", name="Artists")
    site.insert(
        "resource",
        id=ids["group:Comp"],
        resource_type="group",
        name="Comp",
        parent_id=ids["group:Artists"],
    )
    for username, group in (("john.doe", "Artists"), ("jane.doe", "Comp")):
        site.insert(
            "membership",
            id=ids[f"membership:{username}/{group}"],
            user_id=ids[f"user:{username}"],
            group_id=ids[f"group:{group}"],
        )


def _dragons(site: SiteBuilder) -> None:
    ids = site.ids
    project = site.project("dragons", full_name="Here Be Dragons", start_date=at(1))
    site.insert("metadata", parent_id=project, parent_type="Project", key="client", value="ACME")
    site.insert("metadata", parent_id=project, parent_type="Project", key="k", value="x")
    site.insert("metadata", parent_id=project, parent_type="Project", key="other", value="v")

    sq010 = site.typed_context("Sequence", "sequence:sq010", "sq010", project, project)
    sq020 = site.typed_context("Sequence", "sequence:sq020", "sq020", project, project)
    site.insert(
        "metadata", parent_id=sq010, parent_type="Sequence", key="frame_padding", value="4"
    )
    approved, in_progress = ids["status:Approved"], ids["status:In progress"]
    sh010 = site.typed_context(
        "Shot",
        "shot:sh010",
        "sh010",
        sq010,
        project,
        status_id=approved,
        bid=100.0,
        description="Opening shot",
        thumbnail_id=ids["component:sh010_thumbnail"],
    )
    sh020 = site.typed_context(
        "Shot", "shot:sh020", "SH020", sq010, project, status_id=in_progress, bid=50.0
    )
    sh030 = site.typed_context("Shot", "shot:sh030", "sh030", sq020, project)
    tasks = (
        ("sh010/compositing", sh010, "compositing", "Compositing", approved, 10.0, at(3), at(10)),
        ("sh010/animation", sh010, "animation", "Animation", in_progress, 20.0, at(4), None),
        ("sh020/compositing", sh020, "Compositing", "Compositing", None, None, None, None),
        ("sh030/animation", sh030, "anim_100%", "Animation", in_progress, 5.5, at(5), at(6)),
    )
    for key, parent, name, task_type, status, bid, start, end in tasks:
        site.typed_context(
            "Task",
            f"task:{key}",
            name,
            parent,
            project,
            type_id=ids[f"type:{task_type}"],
            status_id=status,
            bid=bid,
            start_date=start,
            end_date=end,
            description="Fix the edges" if key == "sh010/compositing" else None,
            priority_id=ids["priority:High"] if key == "sh010/animation" else DEFAULT_PRIORITY,
        )
    assets = site.typed_context("Folder", "folder:assets", "assets", project, project)
    dragon = site.typed_context("Asset Build", "asset_build:dragon", "dragon", assets, project)
    modeling = site.typed_context(
        "Task",
        "task:dragon/modeling",
        "modeling",
        dragon,
        project,
        type_id=ids["type:Modeling"],
        status_id=approved,
    )

    # Time logs: two on the compositing task, one on the animation task.
    for key, context, user, start, duration in (
        ("comp_1", ids["task:sh010/compositing"], "john.doe", at(3, 9), 3600.0),
        ("comp_2", ids["task:sh010/compositing"], "jane.doe", at(4, 14, 30), 1800.0),
        ("anim_1", ids["task:sh010/animation"], "john.doe", at(5, 10), 7200.0),
    ):
        site.insert(
            "timelog",
            id=ids[f"timelog:{key}"],
            context_id=context,
            user_id=ids[f"user:{user}"],
            start=start,
            duration=duration,
            name=key,
        )

    # Appointments.
    for key, context, resource, kind in (
        ("john/comp", ids["task:sh010/compositing"], ids["user:john.doe"], "assignment"),
        ("jane/comp", ids["task:sh010/compositing"], ids["user:jane.doe"], "assignment"),
        ("jane/anim", ids["task:sh010/animation"], ids["user:jane.doe"], "assignment"),
        ("artists/dragons", project, ids["group:Artists"], "allocation"),
    ):
        site.insert(
            "appointment",
            id=ids[f"appointment:{key}"],
            context_id=context,
            resource_id=resource,
            type=kind,
        )

    # Assets, versions and components.
    site.insert(
        "asset",
        id=ids["asset:dragon_model"],
        name="dragon_model",
        context_id=dragon,
        type_id=ids["asset_type:geo"],
    )
    site.insert(
        "asset",
        id=ids["asset:sh010_plate"],
        name="sh010_plate",
        context_id=sh010,
        type_id=ids["asset_type:plate"],
    )
    for asset, number, user, task, day in (
        ("dragon_model", 1, "john.doe", modeling, 6),
        ("dragon_model", 2, "jane.doe", modeling, 7),
        ("dragon_model", 3, "john.doe", modeling, 8),
        ("sh010_plate", 1, "jane.doe", None, 9),
    ):
        site.insert(
            "asset_version",
            id=ids[f"version:{asset}/v{number}"],
            asset_id=ids[f"asset:{asset}"],
            version=number,
            user_id=ids[f"user:{user}"],
            task_id=task,
            date=at(day),
            status_id=approved if number == 3 else in_progress,
            is_published=True,
            comment=f"{asset} v{number}",
        )
    v3 = ids["version:dragon_model/v3"]
    site.insert("metadata", parent_id=v3, parent_type="AssetVersion", key="kind", value="render")
    site.insert("metadata", parent_id=v3, parent_type="AssetVersion", key="version", value="3")
    for key, version, name, system_type, size in (
        ("v1_main", "dragon_model/v1", "main", "file", 1024),
        ("v3_main", "dragon_model/v3", "main", "file", 4096),
        ("v3_frames", "dragon_model/v3", "frames", "sequence", None),
        ("plate_main", "sh010_plate/v1", "main", "file", 2048),
        ("sh010_thumbnail", None, "thumbnail", "file", 10),
    ):
        site.insert(
            "component",
            id=ids[f"component:{key}"],
            name=name,
            system_type=system_type,
            version_id=None if version is None else ids[f"version:{version}"],
            size=size,
            file_type=".exr" if system_type == "sequence" else ".mov",
        )
    site.insert(
        "component",
        id=ids["component:v3_frame_1"],
        name="frame.1001.exr",
        system_type="file",
        container_id=ids["component:v3_frames"],
        size=1,
    )
    for key, component, location in (
        ("v1_main/server", "v1_main", "ftrack.server"),
        ("v3_main/server", "v3_main", "ftrack.server"),
        ("v3_main/unmanaged", "v3_main", "ftrack.unmanaged"),
    ):
        site.insert(
            "component_location",
            id=ids[f"component_location:{key}"],
            component_id=ids[f"component:{component}"],
            location_id=ids[f"location:{location}"],
            resource_identifier=f"/data/{key}",
        )

    # Notes: one on the shot with a reply, one on the version.
    site.insert(
        "note",
        id=ids["note:sh010"],
        content="Looks great",
        parent_id=sh010,
        parent_type="TypedContext",
        user_id=ids["user:john.doe"],
        date=at(10, 12),
        category_id=ids["note_category:Internal"],
        is_todo=False,
    )
    site.insert(
        "note",
        id=ids["note:sh010/reply"],
        content="Thanks!",
        parent_id=sh010,
        parent_type="TypedContext",
        user_id=ids["user:jane.doe"],
        date=at(10, 13),
        in_reply_to_id=ids["note:sh010"],
        is_todo=False,
    )
    site.insert(
        "note",
        id=ids["note:v3"],
        content="Fix the wings",
        parent_id=v3,
        parent_type="AssetVersion",
        user_id=ids["user:jane.doe"],
        date=at(11),
        is_todo=True,
    )

    # Lists.
    site.insert(
        "list",
        id=ids["list:dailies"],
        name="Dailies",
        system_type="task",
        project_id=project,
        category_id=ids["list_category:Dailies"],
        user_id=ids["user:john.doe"],
        is_open=True,
        date=at(12),
    )
    site.insert(
        "list",
        id=ids["list:review"],
        name="Review",
        system_type="assetversion",
        project_id=project,
        category_id=ids["list_category:Dailies"],
        user_id=ids["user:jane.doe"],
        is_open=False,
        date=at(13),
    )
    for key, list_key, entity in (
        ("dailies/comp", "dailies", ids["task:sh010/compositing"]),
        ("dailies/anim", "dailies", ids["task:sh010/animation"]),
        ("review/v3", "review", v3),
    ):
        site.insert(
            "list_object",
            id=ids[f"list_object:{key}"],
            list_id=ids[f"list:{list_key}"],
            entity_id=entity,
        )


def _thrones(site: SiteBuilder) -> None:
    project = site.project("thrones", full_name="Game of Thrones", start_date=at(2))
    sequence = site.typed_context("Sequence", "sequence:thrones/sq010", "sq010", project, project)
    site.typed_context("Shot", "shot:thrones/sh010", "sh010", sequence, project)
    # A site-specific object type: no schema type matches it.
    site.insert("object_type", id=site.ids["object_type:Environment"], name="Environment")
    site.insert(
        "context",
        id=site.ids["environment:castle"],
        name="castle",
        parent_id=project,
        project_id=project,
        context_type="task",
        object_type_id=site.ids["object_type:Environment"],
    )


def _custom_attributes(site: SiteBuilder) -> None:
    ids = site.ids
    dragons = ids["project:dragons"]
    site.configuration("fstart", "number", "task", 1001, object_type="Shot")
    site.configuration("fend", "number", "task", 1100, object_type="Shot")
    site.configuration("tags", "enumerator", "task", [], object_type="Shot")
    site.configuration("my_text_field", "text", "task", "", object_type="Task")
    site.configuration("new_ingest", "boolean", "show", False)
    site.configuration("fps", "number", "show", 24, is_hierarchical=True)
    site.configuration(
        "dragon_notes", "text", "task", "none", object_type="Shot", project_id=dragons
    )
    site.configuration("delivery", "date", "task", None, object_type="Shot")
    site.configuration("reviewed", "boolean", "assetversion", False)
    site.configuration("employee_id", "text", "user", "")

    site.value("fstart", ids["shot:sh010"], "context", 1010)
    site.value("fend", ids["shot:sh010"], "context", 1150.5)
    site.value("tags", ids["shot:sh020"], "context", ["foo", "Bar"])
    site.value(
        "delivery",
        ids["shot:sh020"],
        "context",
        {"__type__": "datetime", "value": "2024-06-01T00:00:00"},
    )
    site.value("my_text_field", ids["task:sh010/compositing"], "context", "bar")
    site.value("my_text_field", ids["task:sh010/animation"], "context", "Something else")
    site.value("new_ingest", dragons, "context", True)
    site.value("fps", ids["shot:sh010"], "context", 25)
    site.value("reviewed", ids["version:dragon_model/v3"], "assetversion", True)
    site.value("employee_id", ids["user:john.doe"], "user", "E-001")

    # A custom attribute link: the compositing task's supervisor is john.doe.
    site.insert(
        "custom_configuration",
        id=ids["link_configuration:supervisor"],
        _kind="link",
        key="supervisor",
        label="Supervisor",
        entity_type="task",
        entity_type_to="user",
        object_type_id=OBJECT_TYPES["Task"],
        one_to_one=True,
        config="{}",
    )
    site.insert(
        "custom_attribute_link",
        id=ids["link:supervisor"],
        configuration_id=ids["link_configuration:supervisor"],
        from_id=ids["task:sh010/compositing"],
        from_entity_type="Task",
        to_id=ids["user:john.doe"],
        to_entity_type="User",
    )


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def model():
    return load_model()


#: Run the query tests on another database (e.g. PostgreSQL) by setting this variable to
#: an SQLAlchemy URL of a scratch database: its tables are dropped and recreated.
DATABASE_URL_VARIABLE = "FTRACK_SERVER_TEST_DATABASE_URL"


def scratch_database() -> Database:
    """An empty database: in memory, or the scratch database named by the environment."""
    url = os.environ.get(DATABASE_URL_VARIABLE)
    if not url:
        return Database()
    database = Database(url)
    database.metadata.drop_all(database.engine)
    database.metadata.create_all(database.engine)
    return database


@pytest.fixture(scope="module")
def site():
    """The populated database and its ids (read-only: tests must not write)."""
    database = scratch_database()
    ids = build_site(database)
    yield database, ids
    if not database.is_memory:
        database.metadata.drop_all(database.engine)
    database.dispose()


@pytest.fixture(scope="module")
def database(site):
    return site[0]


@pytest.fixture(scope="module")
def ids(site):
    return site[1]


@pytest.fixture
def context(ids):
    return RequestContext(
        user_id=ids["user:john.doe"],
        username="john.doe",
        base_url="http://ftrack.test",
        thumbnail_url=lambda component_id: f"http://ftrack.test/thumbnail/{component_id}",
        component_url=lambda component_id: f"http://ftrack.test/component/{component_id}",
    )


@pytest.fixture
def run_query(database, model, context):
    """Run an expression; return the whole ``query`` result."""

    def run(expression: str) -> Dict[str, Any]:
        with database.transaction(write=False) as connection:
            return execute_query(connection, model, expression, context)

    return run


@pytest.fixture
def query(run_query):
    """Run an expression; return its ``data`` list."""

    def run(expression: str) -> List[Dict[str, Any]]:
        return run_query(expression)["data"]

    return run


@pytest.fixture
def names(query):
    """Run a select-less expression projecting ``name``; return the sorted names."""

    def run(expression: str) -> List[str]:
        return sorted(entity["name"] for entity in query(f"select name from {expression}"))

    return run


@pytest.fixture
def load(database, model, context):
    def run(type_name: str, keys, projections) -> List[Dict[str, Any]]:
        with database.transaction(write=False) as connection:
            return load_entities(connection, model, type_name, keys, projections, context)

    return run
