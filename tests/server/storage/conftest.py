"""A small site for the writer tests: just the rows the writes refer to.

Independent of the real seed data on purpose: the tests name every id they use.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, Callable, Dict, List

import pytest
import sqlalchemy as sa

from ftrack_server.context import RequestContext
from ftrack_server.model import load_model
from ftrack_server.storage.database import Database
from ftrack_server.storage.writer import Writer

MODEL = load_model()

SITE = SimpleNamespace(
    user_id="u-jane",
    other_user_id="u-john",
    user_type_id="ac9fa5aa-4361-11e0-b7cc-0019bb4983d8",
    priority_id="9661b320-3a0c-11e2-81c1-0800200c9a66",
    task_object_type=MODEL.types["Task"].fixed_values["object_type_id"],
    shot_object_type=MODEL.types["Shot"].fixed_values["object_type_id"],
    sequence_object_type=MODEL.types["Sequence"].fixed_values["object_type_id"],
    folder_object_type=MODEL.types["Folder"].fixed_values["object_type_id"],
    not_started="st-not-started",
    in_progress="st-in-progress",
    approved="st-approved",
    compositing="ty-compositing",
    animation="ty-animation",
    project_schema_id="ps-vfx",
    task_workflow="wf-task",
    version_workflow="wf-version",
    animation_workflow="wf-animation",
    task_type_schema="tts-default",
    asset_type_id="at-geo",
    location_id="loc-studio",
    fstart_id="ca-fstart",
    brief_id="ca-brief",
    approved_ca_id="ca-approved",
    category_id="lc-default",
    now=dt.datetime(2024, 5, 6, 7, 8, 9),
)


def _site_rows() -> Dict[str, List[Dict[str, Any]]]:
    s = SITE
    object_type = {"is_time_reportable": False, "is_taskable": True, "is_schedulable": False}
    return {
        "user_type": [{"id": s.user_type_id, "name": "standard"}],
        "resource": [
            {
                "id": user_id,
                "resource_type": "user",
                "username": name,
                "is_active": True,
                "user_type_id": s.user_type_id,
            }
            for user_id, name in ((s.user_id, "jane"), (s.other_user_id, "john"))
        ],
        "priority": [{"id": s.priority_id, "name": "None", "sort": 0, "value": 0.0}],
        "object_type": [
            {
                "id": s.task_object_type,
                "name": "Task",
                "is_statusable": True,
                "is_typeable": True,
                **object_type,
            },
            {
                "id": s.shot_object_type,
                "name": "Shot",
                "is_statusable": True,
                "is_typeable": False,
                **object_type,
            },
            {
                "id": s.sequence_object_type,
                "name": "Sequence",
                "is_statusable": True,
                "is_typeable": False,
                **object_type,
            },
            {
                "id": s.folder_object_type,
                "name": "Folder",
                "is_statusable": False,
                "is_typeable": False,
                **object_type,
            },
        ],
        "task_status": [
            {"id": s.not_started, "name": "Not started", "sort": 0, "is_active": True},
            {"id": s.in_progress, "name": "In progress", "sort": 1, "is_active": True},
            {"id": s.approved, "name": "Approved", "sort": 2, "is_active": True},
        ],
        "task_type": [
            {"id": s.compositing, "name": "Compositing", "sort": 0},
            {"id": s.animation, "name": "Animation", "sort": 1},
        ],
        "workflow_schema": [
            {"id": s.task_workflow, "name": "Task"},
            {"id": s.version_workflow, "name": "Version"},
            {"id": s.animation_workflow, "name": "Animation"},
        ],
        "workflow_schema_status": [
            {"workflow_schema_id": s.task_workflow, "status_id": s.in_progress},
            {"workflow_schema_id": s.task_workflow, "status_id": s.not_started},
            {"workflow_schema_id": s.version_workflow, "status_id": s.approved},
            {"workflow_schema_id": s.animation_workflow, "status_id": s.approved},
            {"workflow_schema_id": s.animation_workflow, "status_id": s.in_progress},
        ],
        "task_type_schema": [{"id": s.task_type_schema, "name": "Default"}],
        "task_type_schema_type": [
            {"task_type_schema_id": s.task_type_schema, "type_id": s.animation},
            {"task_type_schema_id": s.task_type_schema, "type_id": s.compositing},
        ],
        "project_schema": [
            {
                "id": s.project_schema_id,
                "name": "VFX",
                "task_workflow_schema_id": s.task_workflow,
                "asset_version_workflow_schema_id": s.version_workflow,
                "task_type_schema_id": s.task_type_schema,
            }
        ],
        "project_schema_override": [
            {
                "id": "pso-animation",
                "project_schema_id": s.project_schema_id,
                "type_id": s.animation,
                "workflow_schema_id": s.animation_workflow,
            }
        ],
        "schema": [
            {
                "id": "sch-shot",
                "project_schema_id": s.project_schema_id,
                "object_type_id": s.shot_object_type,
            },
        ],
        "schema_status": [
            {"schema_id": "sch-shot", "status_id": s.approved, "sort": 1},
            {"schema_id": "sch-shot", "status_id": s.in_progress, "sort": 0},
        ],
        "asset_type": [{"id": s.asset_type_id, "name": "Geometry", "short": "geo"}],
        "location": [{"id": s.location_id, "name": "studio.disk"}],
        "list_category": [{"id": s.category_id, "name": "Default"}],
        "custom_attribute_type": [
            {"id": f"cat-{name}", "name": name, "core": True}
            for name in ("number", "text", "boolean", "date", "enumerator")
        ],
        "custom_configuration": [
            _configuration(s.fstart_id, "fstart", "task", "number", s.shot_object_type),
            _configuration(s.brief_id, "brief", "show", "text", None),
            _configuration(s.approved_ca_id, "signed_off", "assetversion", "boolean", None),
        ],
    }


def _configuration(
    configuration_id: str, key: str, entity_type: str, kind: str, object_type_id: Any
) -> Dict[str, Any]:
    return {
        "id": configuration_id,
        "_kind": "attribute",
        "key": key,
        "label": key,
        "entity_type": entity_type,
        "object_type_id": object_type_id,
        "type_id": f"cat-{kind}",
        "config": "{}",
        "core": False,
        "default": "null",
    }


@pytest.fixture
def site() -> SimpleNamespace:
    return SITE


@pytest.fixture
def database() -> Database:
    database = Database()
    with database.transaction() as connection:
        for table_name, rows in _site_rows().items():
            table = database.table(table_name)
            columns = sorted({column for row in rows for column in row})
            connection.execute(
                table.insert(), [{name: row.get(name) for name in columns} for row in rows]
            )
    yield database
    database.dispose()


@pytest.fixture
def context() -> RequestContext:
    return RequestContext(user_id=SITE.user_id, username="jane", now=SITE.now)


@pytest.fixture
def batch(database: Database, context: RequestContext) -> Callable:
    """Run ``operations(writer)`` as one batch: verify, then commit (or roll back)."""

    def run(operations: Callable[[Writer], Any]) -> Any:
        with database.transaction() as connection:
            writer = Writer(connection, MODEL, context)
            result = operations(writer)
            writer.verify()
        return result

    return run


@pytest.fixture
def rows(database: Database) -> Callable:
    """``rows(table, **equal)``: the matching rows as dicts, in key order."""

    def read(table_name: str, **equal: Any) -> List[Dict[str, Any]]:
        table = database.table(table_name)
        query = sa.select(table).where(*(table.c[name] == value for name, value in equal.items()))
        query = query.order_by(*table.primary_key.columns)
        with database.transaction(write=False) as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    return read


@pytest.fixture
def counts(database: Database) -> Callable:
    """``counts()``: the number of rows of every table (to prove nothing changed)."""

    def count() -> Dict[str, int]:
        with database.transaction(write=False) as connection:
            return {
                name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                for name, table in database.metadata.tables.items()
            }

    return count


@pytest.fixture
def project(batch: Callable) -> str:
    """A Project with a Sequence ``sq010`` and a Shot ``sh010`` under it; returns ids."""

    def build(writer: Writer) -> str:
        writer.create(
            "Project",
            ["p-1"],
            {
                "id": "p-1",
                "name": "alpha",
                "full_name": "Alpha",
                "project_schema": {
                    "__entity_type__": "ProjectSchema",
                    "id": SITE.project_schema_id,
                },
            },
        )
        writer.create("Sequence", ["sq-1"], {"id": "sq-1", "name": "sq010", "parent_id": "p-1"})
        writer.create(
            "Shot",
            ["sh-1"],
            {
                "id": "sh-1",
                "name": "sh010",
                "parent": {"__entity_type__": "Sequence", "id": "sq-1"},
            },
        )
        return "p-1"

    return batch(build)
