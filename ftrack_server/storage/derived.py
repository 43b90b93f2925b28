"""Values the server fills in on create, and the lookups they need.

Clients send little: JS sends no defaults at all, and Py leaves out everything the
server is known to derive (who created a row and when, a context's project, the
next version number, a first status from the project's workflow). Lookups are
cached for the writer's lifetime, so a batch of a hundred Tasks under one parent
reads the parent and the project schema once; their statements are built once per
model (:meth:`~ftrack_server.storage.write_plan.WritePlans.statement`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.errors import ValidationError
from ftrack_server.model import overlay
from ftrack_server.storage.values import decode_wire_datetime

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.context import RequestContext
    from ftrack_server.storage.write_plan import TypePlan, WritePlans

STANDARD_USER_TYPE_ID = "ac9fa5aa-4361-11e0-b7cc-0019bb4983d8"

# What new contexts and versions need of a project schema (read in one statement).
_PROJECT_SCHEMA_COLUMNS = (
    "task_type_schema_id",
    "task_workflow_schema_id",
    "asset_version_workflow_schema_id",
)
_MISSING: Any = object()

# Constant values for required attributes without a schema default, by type (a type
# inherits the entries of its bases). Applied when the client leaves them out.
SERVER_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "Project": {"status": "active"},
    "TypedContext": {"bid": 0.0, "sort": 0.0},
    "User": {
        "is_active": False,
        "require_details_update": False,
        "user_type_id": STANDARD_USER_TYPE_ID,
    },
    "Group": {"local": False},
    "Status": {"is_active": True},
    "ReviewSessionObject": {"sort_order": 0},
}

# Required attributes the server derives when it can (from the project's workflow
# and object type) and otherwise leaves empty: a Folder has no status, and a site
# without workflows still accepts Shots.
DERIVED_WHEN_POSSIBLE: Dict[str, Tuple[str, ...]] = {
    "TypedContext": ("status_id", "status", "type_id", "type"),
    "AssetVersion": ("status_id", "status"),
}


# Link configurations name entity kinds by storage name; link rows by type name.
LINK_END_TYPES = {
    "task": "TypedContext",
    "show": "Project",
    "context": "Context",
    "asset": "Asset",
    "assetversion": "AssetVersion",
    "asset_version": "AssetVersion",
    "user": "User",
    "group": "Group",
    "list": "List",
    "component": "Component",
}


@dataclass(frozen=True)
class Configuration:
    """What writing a custom attribute value needs from its configuration."""

    id: str
    key: Optional[str]
    entity_type: Optional[str]  # storage name of the owners: ``task``, ``show``, ...
    kind: Optional[str]  # value family: ``context``, ``asset``, ...
    type_name: Optional[str]  # custom attribute type: ``number``, ``text``, ...


class Derivations:
    """Server-derived values for new rows, with per-writer caches."""

    def __init__(self, connection: Connection, plans: WritePlans, context: RequestContext) -> None:
        self.connection = connection
        self.plans = plans
        self.context = context
        self.task_object_type_id = plans.model.types["Task"].fixed_values.get("object_type_id")
        # context id -> (project id, project schema id when the context is a project)
        self._contexts: Dict[str, Tuple[Optional[str], bool]] = {}
        self._project_schemas: Dict[str, Optional[str]] = {}
        self._object_types: Dict[str, Tuple[bool, bool]] = {}
        self._first: Dict[Tuple[Any, ...], Optional[str]] = {}
        self._project_schema_rows: Dict[str, Any] = {}  # id -> row (None: none such)
        # (project, object type, type, status) -> values a new context gets filled in.
        self._workflow_values: Dict[Tuple[Any, ...], Dict[str, Any]] = {}
        self._configurations: Dict[str, Configuration] = {}

    # -- entry point -----------------------------------------------------------------

    def apply(self, plan: TypePlan, row: Dict[str, Any]) -> None:
        """Fill server-derived columns of a new ``row`` of ``plan``'s type."""
        columns = plan.column_types
        now, user_id = self.context.now, self.context.user_id
        if "created_at" in columns and row.get("created_at") is None:
            row["created_at"] = now
        if "created_by_id" in columns and row.get("created_by_id") is None:
            row["created_by_id"] = user_id
        ancestry = plan.ancestry
        if "Project" in ancestry:
            row["project_id"] = row.get("id")
            self._contexts[row["id"]] = (row["id"], True)
            self._project_schemas[row["id"]] = row.get("project_schema_id")
        elif "TypedContext" in ancestry:
            self._typed_context(plan, row)
        elif plan.name == "AssetVersion":
            self._asset_version(row)
        elif plan.name == "Note":
            _fill(row, "date", now)
            _fill(row, "user_id", user_id)
        elif "User" in ancestry and not row.get("username"):
            row["username"] = f"user-{uuid.uuid4().hex[:12]}"
        elif plan.is_custom_attribute_value:
            self.custom_attribute_value(plan, row)
        elif plan.table.name == "custom_attribute_link":
            self._link_ends(row)

    def forget_contexts(self) -> None:
        """Drop cached tree facts (after a move changed projects)."""
        self._contexts.clear()

    # -- contexts --------------------------------------------------------------------

    def project_of_parent(self, plan: TypePlan, parent_id: Optional[str]) -> Optional[str]:
        """The project a child of ``parent_id`` belongs to."""
        if parent_id is None:
            raise ValidationError(f"Required attribute parent missing for {plan.name}.")
        cached = self._contexts.get(parent_id)
        if cached is None:
            # Contexts created in this batch are cached on creation, so the parent
            # is not among queued rows.
            table = self.plans.table("context")
            read = getattr(self.connection, "execute_unbuffered", self.connection.execute)
            query = self.plans.statement(
                "context project",
                lambda: sa.select(table.c.project_id, table.c.context_type).where(
                    table.c.id == sa.bindparam("id")
                ),
            )
            found = read(query, {"id": parent_id}).first()
            if found is None:
                raise ValidationError(
                    f"Invalid reference: {plan.name}.parent points at Context "
                    f"{parent_id} which does not exist."
                )
            cached = (found.project_id, found.context_type == "show")
            self._contexts[parent_id] = cached
        project_id, is_project = cached
        return parent_id if is_project else project_id

    def _typed_context(self, plan: TypePlan, row: Dict[str, Any]) -> None:
        project_id = self.project_of_parent(plan, row.get("parent_id"))
        row["project_id"] = project_id
        self._contexts[row["id"]] = (project_id, False)
        type_id, status_id = row.get("type_id"), row.get("status_id")
        if status_id is not None and type_id is not None:
            return
        # Siblings created together share these values: work them out once.
        key = (project_id, row.get("object_type_id"), type_id, status_id)
        filled = self._workflow_values.get(key)
        if filled is None:
            filled = self._workflow_values[key] = self._first_type_and_status(*key)
        row.update(filled)

    def _first_type_and_status(
        self,
        project_id: Optional[str],
        object_type_id: Optional[str],
        type_id: Optional[str],
        status_id: Optional[str],
    ) -> Dict[str, Any]:
        """The ``type_id``/``status_id`` a new context without them starts with."""
        filled: Dict[str, Any] = {}
        statusable, typeable = self._object_type_flags(object_type_id)
        schema_id = self._project_schema(project_id)
        if schema_id is None:
            return filled
        is_task = object_type_id == self.task_object_type_id
        if typeable and type_id is None:
            type_id = filled["type_id"] = self._first_type(schema_id, object_type_id, is_task)
        if statusable and status_id is None:
            filled["status_id"] = self._first_status(
                schema_id, object_type_id, type_id if is_task else None, is_task
            )
        return filled

    def _asset_version(self, row: Dict[str, Any]) -> None:
        now, user_id = self.context.now, self.context.user_id
        _fill(row, "date", now)
        _fill(row, "user_id", user_id)
        asset_id = row.get("asset_id")
        if row.get("version") is None:
            table = self.plans.table("asset_version")
            latest = self._run(
                "latest version",
                lambda: sa.select(sa.func.max(table.c.version)).where(
                    table.c.asset_id == sa.bindparam("asset_id")
                ),
                asset_id=asset_id,
            ).scalar()
            row["version"] = (latest or 0) + 1
        if row.get("status_id") is None and asset_id is not None:
            schema_id = self._project_schema_of_asset(asset_id)
            if schema_id is not None:
                workflow = self._project_schema_column(
                    schema_id, "asset_version_workflow_schema_id"
                )
                row["status_id"] = self._first_workflow_status(workflow)

    def _link_ends(self, row: Dict[str, Any]) -> None:
        """Name the entity types at both ends of a custom attribute link.

        The link variants (``ContextCustomAttributeLink``, ...) are told apart by these
        names; the link configuration says which kinds of entities it joins.
        """
        if row.get("from_entity_type") and row.get("to_entity_type"):
            return
        table = self.plans.table("custom_configuration")
        found = self._run(
            "link configuration",
            lambda: sa.select(table.c.entity_type, table.c.entity_type_to).where(
                table.c.id == sa.bindparam("id")
            ),
            id=row.get("configuration_id"),
        ).first()
        if found is None:
            return  # verify reports the missing configuration
        for column, storage_name in (
            ("from_entity_type", found.entity_type),
            ("to_entity_type", found.entity_type_to),
        ):
            if not row.get(column):
                row[column] = LINK_END_TYPES.get(str(storage_name or "").lower())

    # -- lookups ---------------------------------------------------------------------

    def _run(self, name: str, build: Callable[[], Any], **params: Any) -> Any:
        """Run the statement ``name`` (made by ``build()`` once per model) with ``params``."""
        return self.connection.execute(self.plans.statement(name, build), params)

    def _object_type_flags(self, object_type_id: Optional[str]) -> Tuple[bool, bool]:
        if object_type_id is None:
            return False, False
        flags = self._object_types.get(object_type_id)
        if flags is None:
            table = self.plans.table("object_type")
            found = self._run(
                "object type flags",
                lambda: sa.select(table.c.is_statusable, table.c.is_typeable).where(
                    table.c.id == sa.bindparam("id")
                ),
                id=object_type_id,
            ).first()
            flags = (bool(found.is_statusable), bool(found.is_typeable)) if found else (False,) * 2
            self._object_types[object_type_id] = flags
        return flags

    def _project_schema(self, project_id: Optional[str]) -> Optional[str]:
        if project_id is None:
            return None
        if project_id not in self._project_schemas:
            table = self.plans.table("context")
            self._project_schemas[project_id] = self._run(
                "project schema",
                lambda: sa.select(table.c.project_schema_id).where(
                    table.c.id == sa.bindparam("id")
                ),
                id=project_id,
            ).scalar()
        return self._project_schemas[project_id]

    def _project_schema_of_asset(self, asset_id: str) -> Optional[str]:
        asset = self.plans.table("asset")
        context = self.plans.table("context")
        project_id = self._run(
            "project of asset",
            lambda: (
                sa.select(context.c.project_id)
                .select_from(asset.join(context, context.c.id == asset.c.context_id))
                .where(asset.c.id == sa.bindparam("id"))
            ),
            id=asset_id,
        ).scalar()
        return self._project_schema(project_id)

    def _cached_first(
        self, key: Tuple[Any, ...], build: Callable[[], Any], **params: Any
    ) -> Optional[str]:
        """The first value the query ``build()`` makes gives for ``params``, looked up
        once per batch; ``key[0]`` names the query (it is built once per model)."""
        if key not in self._first:
            statement = self.plans.statement(f"first {key[0]}", lambda: build().limit(1))
            self._first[key] = self.connection.execute(statement, params).scalar()
        return self._first[key]

    def _project_schema_column(self, schema_id: str, column: str) -> Optional[str]:
        """A workflow or type schema of a project schema (its row is read once)."""
        found = self._project_schema_rows.get(schema_id, _MISSING)
        if found is _MISSING:
            table = self.plans.table("project_schema")
            found = self._project_schema_rows[schema_id] = self._run(
                "project schema row",
                lambda: sa.select(*(table.c[name] for name in _PROJECT_SCHEMA_COLUMNS)).where(
                    table.c.id == sa.bindparam("id")
                ),
                id=schema_id,
            ).first()
        return None if found is None else found._mapping[column]

    def _first_workflow_status(self, workflow_id: Optional[str]) -> Optional[str]:
        if workflow_id is None:
            return None
        links = self.plans.table("workflow_schema_status")
        statuses = self.plans.table("task_status")
        return self._cached_first(
            ("workflow", workflow_id),
            lambda: (
                sa.select(links.c.status_id)
                .select_from(links.join(statuses, statuses.c.id == links.c.status_id))
                .where(links.c.workflow_schema_id == sa.bindparam("workflow_id"))
                .order_by(statuses.c.sort, statuses.c.id)
            ),
            workflow_id=workflow_id,
        )

    def _first_status(
        self, schema_id: str, object_type_id: str, type_id: Optional[str], is_task: bool
    ) -> Optional[str]:
        if is_task:
            workflow = None
            if type_id is not None:
                overrides = self.plans.table("project_schema_override")
                workflow = self._cached_first(
                    ("override", schema_id, type_id),
                    lambda: sa.select(overrides.c.workflow_schema_id).where(
                        overrides.c.project_schema_id == sa.bindparam("schema_id"),
                        overrides.c.type_id == sa.bindparam("type_id"),
                    ),
                    schema_id=schema_id,
                    type_id=type_id,
                )
            if workflow is None:
                workflow = self._project_schema_column(schema_id, "task_workflow_schema_id")
            return self._first_workflow_status(workflow)
        return self._first_of_object_type("schema_status", "status_id", schema_id, object_type_id)

    def _first_type(self, schema_id: str, object_type_id: str, is_task: bool) -> Optional[str]:
        types = self.plans.table("task_type")
        if is_task:
            type_schema = self._project_schema_column(schema_id, "task_type_schema_id")
            type_links = self.plans.table("task_type_schema_type")
            return self._cached_first(
                ("task_types", type_schema),
                lambda: (
                    sa.select(type_links.c.type_id)
                    .select_from(type_links.join(types, types.c.id == type_links.c.type_id))
                    .where(type_links.c.task_type_schema_id == sa.bindparam("type_schema"))
                    .order_by(types.c.sort, types.c.id)
                ),
                type_schema=type_schema,
            )
        return self._first_of_object_type("schema_type", "type_id", schema_id, object_type_id)

    def _first_of_object_type(
        self, link_table: str, column: str, schema_id: str, object_type_id: str
    ) -> Optional[str]:
        """The first status or type the project schema gives ``object_type_id``."""
        schemas = self.plans.table("schema")
        links = self.plans.table(link_table)
        return self._cached_first(
            (f"{link_table}.{column}", schema_id, object_type_id),
            lambda: (
                sa.select(links.c[column])
                .select_from(schemas.join(links, links.c.schema_id == schemas.c.id))
                .where(
                    schemas.c.project_schema_id == sa.bindparam("schema_id"),
                    schemas.c.object_type_id == sa.bindparam("object_type_id"),
                )
                .order_by(links.c.sort, links.c[column])
            ),
            schema_id=schema_id,
            object_type_id=object_type_id,
        )

    # -- custom attribute values -------------------------------------------------------

    def configuration(self, configuration_id: Any) -> Configuration:
        """The custom attribute configuration ``configuration_id`` (ValidationError if none)."""
        found = self._configurations.get(configuration_id)
        if found is None:
            configurations = self.plans.table("custom_configuration")
            types = self.plans.table("custom_attribute_type")
            row = self._run(
                "configuration",
                lambda: (
                    sa.select(configurations.c.key, configurations.c.entity_type, types.c.name)
                    .select_from(
                        configurations.outerjoin(types, types.c.id == configurations.c.type_id)
                    )
                    .where(
                        configurations.c.id == sa.bindparam("id"),
                        configurations.c._kind == "attribute",
                    )
                ),
                id=configuration_id,
            ).first()
            if row is None:
                raise ValidationError(
                    f"Invalid reference: CustomAttributeValue.configuration points at "
                    f"CustomAttributeConfiguration {configuration_id} which does not exist."
                )
            kind = overlay.CUSTOM_ATTRIBUTE_KINDS.get(row.entity_type)
            found = Configuration(configuration_id, row.key, row.entity_type, kind, row.name)
            self._configurations[configuration_id] = found
        return found

    def custom_attribute_value(self, plan: TypePlan, row: Dict[str, Any]) -> Configuration:
        """Set ``key`` and ``_kind`` of a value row from its configuration."""
        configuration = self.configuration(row.get("configuration_id"))
        if configuration.kind is None:
            raise ValidationError(
                f"Custom attribute {configuration.key} cannot hold values for "
                f"{plan.name}: its configuration has no known entity type."
            )
        row["key"] = configuration.key
        row["_kind"] = configuration.kind
        return configuration


def check_custom_value(configuration: Configuration, value: Any) -> None:
    """Refuse a value that does not fit its custom attribute's type."""
    if value is None:
        return
    kind = (configuration.type_name or "").lower()
    expected = None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            expected = "a number"
    elif kind == "boolean":
        if not isinstance(value, bool):
            expected = "a boolean"
    elif kind == "text":
        if not isinstance(value, str):
            expected = "a text"
    elif kind == "date":
        try:
            decode_wire_datetime(value)
        except ValueError:
            expected = "a date"
    elif kind in ("enumerator", "dynamic enumerator"):
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in items):
            expected = "a list of strings"
    if expected is not None:
        raise ValidationError(
            f"Invalid value {json.dumps(value)} for custom attribute {configuration.key}: "
            f"expected {expected}."
        )


def _fill(row: Dict[str, Any], column: str, value: Any) -> None:
    if row.get(column) is None:
        row[column] = value
