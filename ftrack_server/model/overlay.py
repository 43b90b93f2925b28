"""What the served schemas do not say, in one readable place.

The schemas (``schemas.json``, served verbatim by ``query_schemas``) give names,
types, keys and flags. A working server also needs to know where each type is
stored, which column tells members of a family apart, how each relation is held
and which values the server derives itself. Everything of that kind lives here as
plain data; ``catalog`` combines it with the schemas. Anything the catalog can
infer reliably (``<name>_id`` foreign keys, one-to-many collections with a single
candidate key) is not repeated here.
"""

from __future__ import annotations

from ftrack_server.model.types import Closure, Computed, ForeignKey, Inverse, Through

# -- storage families --------------------------------------------------------------------
#
# Types sharing one table. Each entry: table -> {type name: conditions}, where the
# conditions are the column values selecting rows of that type (a tuple value means
# "one of"). A type with no conditions sees every row of the table. The concrete type
# of a row is the most specific type whose conditions hold.

CONTEXT_TYPES = ("Project", "TypedContext")
TYPED_CONTEXT_CLASSIFIER = "object_type_id"  # storage name ``object_typeid``

FAMILIES = {
    "context": {
        "Context": (),
        "Project": (("context_type", "show"),),
        "TypedContext": (("context_type", "task"),),
        # TypedContext members (Task, Shot, ...) are added from the schema classifiers.
    },
    "component": {
        "Component": (),
        "FileComponent": (("system_type", "file"),),
        # A sequence is a container whose members are numbered files.
        "ContainerComponent": (("system_type", ("container", "sequence")),),
        "SequenceComponent": (("system_type", "sequence"),),
    },
    "resource": {
        "Resource": (),
        "User": (("resource_type", "user"),),
        "Group": (("resource_type", "group"),),
    },
    "list": {
        "List": (),
        # TypedContextList and AssetVersionList are added from the schema classifiers.
    },
    "custom_attribute_value": {
        "CustomAttributeValue": (),
        "ContextCustomAttributeValue": (("_kind", "context"),),
        "AssetCustomAttributeValue": (("_kind", "asset"),),
        "AssetVersionCustomAttributeValue": (("_kind", "assetversion"),),
        "UserCustomAttributeValue": (("_kind", "user"),),
        "ListCustomAttributeValue": (("_kind", "list"),),
        "ListObjectCustomAttributeValue": (("_kind", "listobject"),),
    },
    "custom_configuration": {
        "CustomConfigurationBase": (),
        "CustomAttributeConfiguration": (("_kind", "attribute"),),
        "CustomAttributeLinkConfiguration": (("_kind", "link"),),
    },
    "status_change": {
        "StatusChange": (),
        "AssetVersionStatusChange": (("parent_type", "AssetVersion"),),
        # TypedContextStatusChange is added with every TypedContext member name.
    },
    # Two names for one table: each sees every row, as itself.
    "note_category": {"NoteCategory": (), "NoteLabel": ()},
    # Custom attribute links, seen from both ends; the variants are added by catalog.
    "custom_attribute_link": {"CustomAttributeLink": (), "CustomAttributeLinkFrom": ()},
}

# Which bases a type inherits member status from, beyond its table family: a query on
# the base returns rows of these types. (Context contains Project and TypedContext.)
BASES = {
    "Project": "Context",
    "TypedContext": "Context",
    "FileComponent": "Component",
    "SequenceComponent": "ContainerComponent",
    "ContainerComponent": "Component",
    "User": "Resource",
    "Group": "Resource",
    "ContextCustomAttributeValue": "CustomAttributeValue",
    "AssetCustomAttributeValue": "CustomAttributeValue",
    "AssetVersionCustomAttributeValue": "CustomAttributeValue",
    "UserCustomAttributeValue": "CustomAttributeValue",
    "ListCustomAttributeValue": "CustomAttributeValue",
    "ListObjectCustomAttributeValue": "CustomAttributeValue",
    "CustomAttributeConfiguration": "CustomConfigurationBase",
    "CustomAttributeLinkConfiguration": "CustomConfigurationBase",
    "AssetVersionStatusChange": "StatusChange",
    "TypedContextStatusChange": "StatusChange",
}

# Discriminator values a type gets on create when its conditions allow several.
CREATE_VALUES = {"ContainerComponent": {"system_type": "container"}}

# Custom attribute link variants: the entity types a variant's reference points at.
# ``XCustomAttributeLink`` points at the ``to`` end, ``XCustomAttributeLinkFrom`` at the
# ``from`` end; the variant is selected by the entity type name stored at that end.
LINK_VARIANTS = {
    "Context": "context",
    "Asset": "asset",
    "AssetVersion": "asset_version",
    "User": "user",
    "Group": "group",
    "List": "list",
    "Component": "component",
}

# Where a custom attribute configuration's ``entity_type`` sends its values.
CUSTOM_ATTRIBUTE_KINDS = {
    "task": "context",
    "show": "context",
    "asset": "asset",
    "assetversion": "assetversion",
    "user": "user",
    "list": "list",
    "listobject": "listobject",
}

# Columns a table has that no attribute exposes.
HIDDEN_COLUMNS = {
    "custom_attribute_value": {"_kind": "string"},
    "custom_configuration": {"_kind": "string"},
    "task_status": {"state_id": "string"},
}

# Tables that are not entity types: link tables and the context tree's closure.
LINK_TABLES = {
    "context_scope": ("context_id", "scope_id"),
    "custom_configuration_read_role": ("configuration_id", "security_role_id"),
    "custom_configuration_write_role": ("configuration_id", "security_role_id"),
    "asset_version_dependency": ("version_id", "uses_version_id"),
}
CLOSURE_TABLE = "context_closure"  # (ancestor_id, descendant_id, depth)

# Table names that differ from the snake-cased type name.
TABLE_NAMES = {
    "Status": "task_status",
    "State": "status_state",
    "Type": "task_type",
    "Event": "social_event",
    "Feed": "social_feed",
}

# -- relations the catalog cannot infer -----------------------------------------------
#
# Keyed by (type, attribute); a key with type "*" applies to every type having the
# attribute. Types of a family inherit entries made for their base.

OWNED_BY_ID = Inverse(("parent_id",))

RELATIONS = {
    ("*", "metadata"): OWNED_BY_ID,
    ("*", "notes"): OWNED_BY_ID,
    ("*", "status_changes"): OWNED_BY_ID,
    ("*", "custom_attributes"): Inverse(("entity_id",)),
    ("*", "custom_attribute_links"): Inverse(("from_id",)),
    ("*", "custom_attribute_links_from"): Inverse(("to_id",)),
    ("*", "ancestors"): Closure("ancestors"),
    ("*", "descendants"): Closure("descendants"),
    ("*", "incoming_links"): Inverse(("to_id",)),
    ("*", "outgoing_links"): Inverse(("from_id",)),
    ("*", "scopes"): Through("context_scope", "context_id", "scope_id"),
    ("*", "lists"): Through("list_object", "entity_id", "list_id"),
    ("*", "read_security_roles"): Through(
        "custom_configuration_read_role", "configuration_id", "security_role_id"
    ),
    ("*", "write_security_roles"): Through(
        "custom_configuration_write_role", "configuration_id", "security_role_id"
    ),
    ("Context", "children"): Inverse(("parent_id",)),
    ("Context", "appointments"): Inverse(("context_id",)),
    ("Context", "assignments"): Inverse(("context_id",), where=(("type", "assignment"),)),
    ("Context", "allocations"): Inverse(("context_id",), where=(("type", "allocation"),)),
    ("Resource", "appointments"): Inverse(("resource_id",)),
    ("Resource", "assignments"): Inverse(("resource_id",), where=(("type", "assignment"),)),
    ("Resource", "allocations"): Inverse(("resource_id",), where=(("type", "allocation"),)),
    ("List", "items"): Through("list_object", "list_id", "entity_id"),
    ("SequenceComponent", "members"): Inverse(("container_id",)),
    ("ProjectSchema", "object_types"): Through(
        "project_schema_object_type", "project_schema_id", "object_type_id"
    ),
    ("ObjectType", "project_schemas"): Through(
        "project_schema_object_type", "object_type_id", "project_schema_id"
    ),
    ("WorkflowSchema", "statuses"): Through(
        "workflow_schema_status", "workflow_schema_id", "status_id"
    ),
    ("TaskTypeSchema", "types"): Through(
        "task_type_schema_type", "task_type_schema_id", "type_id"
    ),
    ("Type", "task_type_schemas"): Through(
        "task_type_schema_type", "type_id", "task_type_schema_id"
    ),
    ("AssetVersion", "uses_versions"): Through(
        "asset_version_dependency", "version_id", "uses_version_id"
    ),
    ("AssetVersion", "used_in_versions"): Through(
        "asset_version_dependency", "uses_version_id", "version_id"
    ),
    ("ReviewSession", "settings"): OWNED_BY_ID,
    # References held by a column with an unguessable name.
    ("Asset", "parent"): ForeignKey(("context_id",)),
    ("Asset", "latest_version"): Computed("latest_version"),
    ("Status", "state"): ForeignKey(("state_id",)),
    ("Recipient", "recipient"): ForeignKey(("resource_id",)),
    ("Recipient", "user"): ForeignKey(("resource_id",)),
    ("ReviewSessionObject", "asset_version"): ForeignKey(("version_id",)),
    ("ReviewSessionObjectStatus", "invitee"): ForeignKey(("review_session_invitee_id",)),
    ("SchemaStatus", "task_status"): ForeignKey(("status_id",)),
    ("SchemaType", "task_type"): ForeignKey(("type_id",)),
    ("SettingComponent", "setting"): ForeignKey(("name", "group"), ("name", "group")),
    ("Feed", "event"): ForeignKey(("social_id",)),
    ("CustomAttributeLinkConfiguration", "object_type_to"): ForeignKey(("object_type_id_to",)),
    ("Project", "children"): Inverse(("parent_id",)),
}

# Values the server computes instead of storing: attribute name -> rule name
# (implemented in ``ftrack_server.storage.computed``).
COMPUTED = {
    "link": "link",
    "_link": "link",
    "thumbnail_url": "thumbnail_url",
    "url": "url",
    "time_logged": "time_logged",
    "bid_time_logged_difference": "bid_time_logged_difference",
    "is_latest_version": "is_latest_version",
}

# Deleting an entity also deletes what it owns (recursively); link rows through
# ``Through`` relations are removed, the linked entities are kept.
CASCADES = {
    "*": ("metadata", "custom_attributes", "notes", "status_changes", "lists", "scopes"),
    "Context": (
        "children",
        "assets",
        "timelogs",
        "appointments",
        "managers",
        "incoming_links",
        "outgoing_links",
    ),
    "Project": ("review_sessions", "calendar_events", "user_security_role_projects"),
    "Asset": ("versions",),
    "AssetVersion": (
        "components",
        "incoming_links",
        "outgoing_links",
        "uses_versions",
        "used_in_versions",
        "review_session_objects",
    ),
    "Component": ("component_locations",),
    "ContainerComponent": ("members",),
    "SequenceComponent": ("members",),
    "Note": ("replies", "recipients", "note_components", "note_label_links"),
    "Resource": ("appointments", "dashboard_resources"),
    "User": ("memberships", "user_security_roles", "timelogs"),
    "Group": ("memberships", "children"),
    "List": ("items",),
    "ReviewSession": ("review_session_objects", "review_session_invitees", "settings"),
    "ReviewSessionObject": ("statuses",),
    "ReviewSessionInvitee": ("statuses",),
    "Job": ("job_components",),
    "Conversation": ("messages", "participants"),
    "Dashboard": ("widgets", "dashboard_resources"),
    "CalendarEvent": ("calendar_event_resources",),
    "TaskTemplate": ("items",),
    "Schema": ("statuses", "types"),
    "ProjectSchema": ("_schemas", "_overrides", "task_templates", "object_types"),
    "WorkflowSchema": ("statuses",),
    "TaskTypeSchema": ("types",),
    "UserSecurityRole": ("user_security_role_projects",),
    "CustomConfigurationBase": ("read_security_roles", "write_security_roles"),
    "CustomAttributeConfiguration": ("values",),
}

# Deletes the server refuses while the named collection is not empty.
DELETE_GUARDS = {"Location": "location_components"}
