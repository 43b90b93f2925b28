"""Fill an empty database with what a new ftrack site has.

Locations, object types, states, statuses, task types, priorities, the "VFX Scheme"
project schema with its workflows, the fixed lists (asset types, note and list
categories, custom attribute types, security roles, user types), the storage
scenario setting and a first administrator with an API key. The facts live in
``seed_data``; this module turns them into rows.

Every fresh site gets the same ids (see ``seed_data``), except the administrator's
API key, which is random unless given. Seeding is done once: ``seed`` refuses a
database that ``is_seeded``, because the key it returns could not be recovered from a
previous run (only its hash is stored).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.storage import seed_data as data
from ftrack_server.storage.credentials import store_api_key
from ftrack_server.storage.tables import default_metadata

Rows = Dict[str, List[Dict[str, Any]]]


class AlreadySeededError(RuntimeError):
    """The database already holds a site's data."""


def is_seeded(connection: Connection) -> bool:
    """Whether the database already holds the fresh-site data.

    The origin location is the marker: the clients need it on every site, and it is
    written in the same transaction as everything else.
    """
    locations = default_metadata().tables["location"]
    query = sa.select(locations.c.id).where(locations.c.id == data.ORIGIN_LOCATION_ID)
    return connection.execute(query).first() is not None


def seed(
    connection: Connection,
    *,
    admin_username: str = "admin",
    admin_api_key: Optional[str] = None,
) -> Tuple[str, str]:
    """Insert the fresh-site data in the caller's transaction.

    Returns the administrator's username and API key (``admin_api_key`` if given,
    else a new random key). Raises :class:`AlreadySeededError` if the database is
    already seeded.
    """
    if is_seeded(connection):
        raise AlreadySeededError("the database already holds a site's data")
    tables = default_metadata().tables
    for table_name, rows in site_rows(admin_username).items():
        _insert(connection, tables[table_name], rows)
    api_key = store_api_key(connection, admin_user_id(admin_username), admin_api_key)
    return admin_username, api_key


def admin_user_id(admin_username: str) -> str:
    """The id the seeded administrator gets."""
    return data.row_id("User", admin_username)


def site_rows(admin_username: str = "admin") -> Rows:
    """Every seeded row, by table, in an order that satisfies the foreign keys."""
    rows: Rows = {}
    rows.update(_fixed_lists())
    rows.update(_statuses_and_types())
    rows.update(_workflows())
    rows.update(_project_schemas())
    rows.update(_admin(admin_username))
    return rows


def _insert(connection: Connection, table: sa.Table, rows: List[Dict[str, Any]]) -> None:
    if not rows:
        return
    columns = sorted({column for row in rows for column in row})
    connection.execute(table.insert(), [{name: row.get(name) for name in columns} for row in rows])


# -- row builders --------------------------------------------------------------------------


def _named(kind: str, entries: List[Dict[str, Any]], **defaults: Any) -> List[Dict[str, Any]]:
    """Rows for entries identified by name; ``sort`` (when wanted) is the position."""
    rows = []
    for position, entry in enumerate(entries):
        row = {**defaults, **entry, "id": data.row_id(kind, entry["name"])}
        if "sort" in defaults:
            row["sort"] = position
        rows.append(row)
    return rows


def _fixed_lists() -> Rows:
    return {
        "location": _named("Location", data.LOCATIONS),
        "object_type": _named("ObjectType", data.OBJECT_TYPES, sort=0),
        "priority": _named("Priority", data.PRIORITIES, sort=0),
        "asset_type": _named("AssetType", data.ASSET_TYPES, component="main"),
        "note_category": _named("NoteCategory", data.NOTE_CATEGORIES, sort=0),
        "list_category": _named("ListCategory", data.LIST_CATEGORIES),
        "custom_attribute_type": _named(
            "CustomAttributeType", data.CUSTOM_ATTRIBUTE_TYPES, core=True
        ),
        "security_role": _named("SecurityRole", data.SECURITY_ROLES),
        "user_type": _named("UserType", data.USER_TYPES),
        "setting": [
            {**setting, "value": json.dumps(setting["value"])} for setting in data.SETTINGS
        ],
    }


def _statuses_and_types() -> Rows:
    states = [{**state, "id": data.row_id("State", state["short"])} for state in data.STATES]
    statuses = []
    for position, status in enumerate(data.STATUSES):
        statuses.append(
            {
                "id": data.row_id("Status", status["name"]),
                "name": status["name"],
                "color": status["color"],
                "sort": position,
                "is_active": True,
                "state_id": data.row_id("State", status["state"]),
            }
        )
    return {
        "status_state": states,
        "task_status": statuses,
        "task_type": _named("Type", data.TASK_TYPES, sort=0, is_billable=True),
    }


def _workflows() -> Rows:
    workflows, workflow_statuses = [], []
    for name, status_names in data.WORKFLOW_SCHEMAS.items():
        workflow_id = data.row_id("WorkflowSchema", name)
        workflows.append({"id": workflow_id, "name": name})
        workflow_statuses.extend(
            {"workflow_schema_id": workflow_id, "status_id": data.row_id("Status", status)}
            for status in status_names
        )
    type_schemas, type_schema_types = [], []
    for name, type_names in data.TASK_TYPE_SCHEMAS.items():
        schema_id = data.row_id("TaskTypeSchema", name)
        type_schemas.append({"id": schema_id, "name": name})
        type_schema_types.extend(
            {"task_type_schema_id": schema_id, "type_id": data.row_id("Type", type_name)}
            for type_name in type_names
        )
    return {
        "workflow_schema": workflows,
        "workflow_schema_status": workflow_statuses,
        "task_type_schema": type_schemas,
        "task_type_schema_type": type_schema_types,
    }


def _project_schemas() -> Rows:
    rows: Rows = {
        "project_schema": [],
        "project_schema_object_type": [],
        "project_schema_override": [],
        "schema": [],
        "schema_status": [],
        "schema_type": [],
    }
    for entry in data.PROJECT_SCHEMAS:
        name = entry["name"]
        schema_id = data.row_id("ProjectSchema", name)
        rows["project_schema"].append(
            {
                "id": schema_id,
                "name": name,
                "task_workflow_schema_id": data.row_id("WorkflowSchema", entry["task_workflow"]),
                "asset_version_workflow_schema_id": data.row_id(
                    "WorkflowSchema", entry["version_workflow"]
                ),
                "task_type_schema_id": data.row_id("TaskTypeSchema", entry["task_type_schema"]),
            }
        )
        rows["project_schema_object_type"].extend(
            {"project_schema_id": schema_id, "object_type_id": data.row_id("ObjectType", kind)}
            for kind in entry["object_types"]
        )
        rows["project_schema_override"].extend(
            {
                "id": data.row_id("ProjectSchemaOverride", f"{name}/{type_name}"),
                "project_schema_id": schema_id,
                "type_id": data.row_id("Type", type_name),
                "workflow_schema_id": data.row_id("WorkflowSchema", workflow),
            }
            for type_name, workflow in entry["overrides"].items()
        )
        for object_type, contents in entry["object_type_schemas"].items():
            _object_type_schema(rows, name, schema_id, object_type, contents)
    return rows


def _object_type_schema(
    rows: Rows, project_schema: str, project_schema_id: str, object_type: str, contents: dict
) -> None:
    """The Schema row of one object type, with its SchemaStatus and SchemaType rows."""
    schema_id = data.row_id("Schema", f"{project_schema}/{object_type}")
    rows["schema"].append(
        {
            "id": schema_id,
            "project_schema_id": project_schema_id,
            "object_type_id": data.row_id("ObjectType", object_type),
        }
    )
    rows["schema_status"].extend(
        {"schema_id": schema_id, "status_id": data.row_id("Status", status), "sort": position}
        for position, status in enumerate(contents["statuses"])
    )
    rows["schema_type"].extend(
        {"schema_id": schema_id, "type_id": data.row_id("Type", type_name), "sort": position}
        for position, type_name in enumerate(contents["types"])
    )


def _admin(admin_username: str) -> Rows:
    user_id = admin_user_id(admin_username)
    admin = data.ADMIN_USER
    role = admin["security_role"]
    return {
        "resource": [
            {
                "id": user_id,
                "resource_type": "user",
                "username": admin_username,
                "first_name": admin["first_name"],
                "last_name": admin["last_name"],
                "email": f"{admin_username}@{admin['email_domain']}",
                "is_active": True,
                "user_type_id": data.STANDARD_USER_TYPE_ID,
                "is_otp_enabled": False,
                "is_totp_enabled": False,
                "require_details_update": False,
            }
        ],
        "user_security_role": [
            {
                "id": data.row_id("UserSecurityRole", f"{admin_username}/{role}"),
                "user_id": user_id,
                "security_role_id": data.row_id("SecurityRole", role),
                "is_all_open_projects": True,
            }
        ],
    }
