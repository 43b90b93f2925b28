"""What a brand-new ftrack site holds, as plain data.

``seed`` turns this into rows. Rows refer to each other by name (a status names its
state by ``short``, a workflow lists status names, the project schema lists object
type names ...); ``seed`` resolves the names to ids with ``row_id``.

Ids. Where the served schemas, the client or public scripts and tests that run
against ftrack sites show the id ftrack uses for a row, ``KNOWN_IDS`` holds it, so
code that hard-codes ftrack's well-known ids works here too. Every other row gets
``derived_id(kind, name)``: a UUID5 of ``SEED_NAMESPACE`` and ``"<kind>/<name>"``
(``kind`` is the entity type name), so every fresh site has the same ids, run after
run. Renaming a row or changing the namespace changes its id: don't.

Where the facts come from:

* location ids: ``ftrack_api.symbol`` (protocol.md section 9);
* object type ids: the classifier ids in the served schemas (protocol.md 6.4);
  their flags: a real site's object types;
* the VFX Scheme, the default priority, the user type, state ``NOT_STARTED`` and a
  second not-started status (``014a40a6-...``): protocol.md section 9;
* ids of the statuses Not started, In progress, Pending Review, Approved, On Hold,
  Omitted, of the task types Generic ... Matte Painting and of the list categories
  Dailies and Delivery: public code run against ftrack sites;
* priority names and colours, status colours: a real site's data;
* everything else (remaining names, task type colours, workflow contents) is our
  choice of a sensible default.
"""

from __future__ import annotations

import uuid

SEED_NAMESPACE = uuid.UUID("f9838085-857f-4269-9295-35baa6265f4b")

# -- well-known ids ------------------------------------------------------------------------

ORIGIN_LOCATION_ID = "ce9b348f-8809-11e3-821c-20c9d081909b"
UNMANAGED_LOCATION_ID = "cb268ecc-8809-11e3-a7e2-20c9d081909b"
REVIEW_LOCATION_ID = "cd41be70-8809-11e3-b98a-20c9d081909b"
CONNECT_LOCATION_ID = "07b82a97-8cf9-11e3-9383-20c9d081909b"
SERVER_LOCATION_ID = "3a372bde-05bc-11e4-8908-20c9d081909b"

PROJECT_SCHEMA_ID = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"  # "VFX Scheme"
DEFAULT_PRIORITY_ID = "9661b320-3a0c-11e2-81c1-0800200c9a66"  # schemas' priority_id default
STANDARD_USER_TYPE_ID = "ac9fa5aa-4361-11e0-b7cc-0019bb4983d8"  # a new user's user_type_id
NOT_STARTED_STATE_ID = "6c59abf8-4dbf-11e1-9902-f23c91df25eb"
NOT_STARTED_STATUS_ID = "44dd9fb2-4164-11df-9218-0019bb4983d8"

# kind (entity type name) -> row name -> id.
KNOWN_IDS = {
    "Location": {
        "ftrack.origin": ORIGIN_LOCATION_ID,
        "ftrack.unmanaged": UNMANAGED_LOCATION_ID,
        "ftrack.review": REVIEW_LOCATION_ID,
        "ftrack.connect": CONNECT_LOCATION_ID,
        "ftrack.server": SERVER_LOCATION_ID,
    },
    "ObjectType": {
        "Task": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c",
        "Shot": "bad911de-3bd6-47b9-8b46-3476e237cb36",
        "Sequence": "e5139355-61da-4c8f-9db4-3abc870166bc",
        "Episode": "22139355-61da-4c8f-9db4-3abc870166bc",
        "Folder": "3c133785-51cb-11e3-980a-20c9d0831e59",
        "Milestone": "01decdd1-51cb-11e3-9d5b-20c9d0831e59",
        "Asset Build": "4be63b64-5010-42fb-bf1f-428af9d638f0",
    },
    "State": {"NOT_STARTED": NOT_STARTED_STATE_ID},
    "Status": {
        "Not started": NOT_STARTED_STATUS_ID,
        "Ready to start": "014a40a6-4e65-11e1-b8af-f23c91df25eb",
        "In progress": "44ddd0fe-4164-11df-9218-0019bb4983d8",
        "Pending Review": "44dded64-4164-11df-9218-0019bb4983d8",
        "On Hold": "a0bc2444-15e2-11e1-b21a-0019bb4983d8",
        "Omitted": "a0bc3f24-15e2-11e1-b21a-0019bb4983d8",
        "Approved": "44de097a-4164-11df-9218-0019bb4983d8",
    },
    "Type": {
        "Generic": "44dbfca2-4164-11df-9218-0019bb4983d8",
        "Animation": "44dc3636-4164-11df-9218-0019bb4983d8",
        "Modeling": "44dc53c8-4164-11df-9218-0019bb4983d8",
        "Previz": "44dc6ffc-4164-11df-9218-0019bb4983d8",
        "Lookdev": "44dc8cd0-4164-11df-9218-0019bb4983d8",
        "FX": "44dcea86-4164-11df-9218-0019bb4983d8",
        "Lighting": "44dd08fe-4164-11df-9218-0019bb4983d8",
        "Compositing": "44dd23b6-4164-11df-9218-0019bb4983d8",
        "Tracking": "44dd3ed2-4164-11df-9218-0019bb4983d8",
        "Rigging": "44dd5868-4164-11df-9218-0019bb4983d8",
        "Rotoscoping": "c3bcfdb4-ad7d-11e1-a444-f23c91df1211",
        "Production": "b628a004-ad7d-11e1-896c-f23c91df1211",
        "Deliverable": "ae1e2480-f24e-11e2-bd1f-f23c91dfaa16",
        "Editing": "cc46c4c6-13d2-11e3-8915-f23c91dfaa16",
        "Character": "66d145f0-13c6-11e3-abf2-f23c91dfaa16",
        "Prop": "66d1aedc-13c6-11e3-abf2-f23c91dfaa16",
        "Environment": "66d1daba-13c6-11e3-abf2-f23c91dfaa16",
        "Matte Painting": "66d2038c-13c6-11e3-abf2-f23c91dfaa16",
        "Paint and Cleanup": "7ecbf522-0760-11e4-ba66-04011030cf01",
    },
    "Priority": {"None": DEFAULT_PRIORITY_ID},
    "ListCategory": {
        "Dailies": "77b9ab82-07c2-11e4-ba66-04011030cf01",
        "Delivery": "712f0fee-ead3-11e2-846c-f23c91dfaa16",
    },
    "UserType": {"Standard": STANDARD_USER_TYPE_ID},
    "ProjectSchema": {"VFX Scheme": PROJECT_SCHEMA_ID},
}


def derived_id(kind: str, name: str) -> str:
    """The stable id of a seeded row that has no known ftrack id."""
    return str(uuid.uuid5(SEED_NAMESPACE, f"{kind}/{name}"))


def row_id(kind: str, name: str) -> str:
    """The id of the seeded ``kind`` row called ``name``: ftrack's own, or a derived one."""
    return KNOWN_IDS.get(kind, {}).get(name) or derived_id(kind, name)


# The storage scenario a fresh site runs; query_server_information reports the same.
STORAGE_SCENARIO = {"scenario": "ftrack.automatic", "data": {}}

# -- locations -----------------------------------------------------------------------------

LOCATIONS = [
    {
        "name": "ftrack.origin",
        "label": "Origin",
        "description": "Where files are before they are added to a location.",
    },
    {
        "name": "ftrack.unmanaged",
        "label": "Unmanaged",
        "description": "Files whose paths are recorded but never moved.",
    },
    {
        "name": "ftrack.review",
        "label": "Review",
        "description": "Media encoded for reviewing in the web interface.",
    },
    {
        "name": "ftrack.connect",
        "label": "Connect",
        "description": "Files managed by ftrack Connect.",
    },
    {
        "name": "ftrack.server",
        "label": "Server",
        "description": "Files stored on the ftrack server.",
    },
]

# -- object types --------------------------------------------------------------------------
#
# Listed in ``sort`` order. Flags as on a real site. Sequence is statusable here so
# that new projects can track sequences as well as shots (some sites turn it off).

OBJECT_TYPES = [
    {
        "name": "Folder",
        "icon": "folder",
        "is_time_reportable": False,
        "is_taskable": True,
        "is_typeable": False,
        "is_statusable": False,
        "is_schedulable": False,
        "is_leaf": False,
    },
    {
        "name": "Asset Build",
        "icon": "assetbuild",
        "is_time_reportable": False,
        "is_taskable": True,
        "is_typeable": True,
        "is_statusable": True,
        "is_schedulable": False,
        "is_leaf": False,
    },
    {
        "name": "Episode",
        "icon": "episode",
        "is_time_reportable": False,
        "is_taskable": True,
        "is_typeable": False,
        "is_statusable": True,
        "is_schedulable": False,
        "is_leaf": False,
    },
    {
        "name": "Sequence",
        "icon": "sequence",
        "is_time_reportable": False,
        "is_taskable": True,
        "is_typeable": False,
        "is_statusable": True,
        "is_schedulable": False,
        "is_leaf": False,
    },
    {
        "name": "Shot",
        "icon": "shot",
        "is_time_reportable": False,
        "is_taskable": True,
        "is_typeable": False,
        "is_statusable": True,
        "is_schedulable": False,
        "is_leaf": False,
    },
    {
        "name": "Milestone",
        "icon": "milestone",
        "is_time_reportable": False,
        "is_taskable": False,
        "is_typeable": True,
        "is_statusable": True,
        "is_schedulable": True,
        "is_leaf": True,
    },
    {
        "name": "Task",
        "icon": "task",
        "is_time_reportable": True,
        "is_taskable": False,
        "is_typeable": True,
        "is_statusable": True,
        "is_schedulable": True,
        "is_leaf": True,
    },
]

# -- states and statuses -------------------------------------------------------------------

STATES = [
    {"short": "NOT_STARTED", "name": "Not started"},
    {"short": "IN_PROGRESS", "name": "In progress"},
    {"short": "BLOCKED", "name": "Blocked"},
    {"short": "DONE", "name": "Done"},
]

# Listed in workflow order; ``sort`` is the position.
STATUSES = [
    {"name": "Not started", "state": "NOT_STARTED", "color": "#CACACA"},
    {"name": "Ready to start", "state": "NOT_STARTED", "color": "#00BCD4"},
    {"name": "In progress", "state": "IN_PROGRESS", "color": "#3498DB"},
    {"name": "Pending Review", "state": "IN_PROGRESS", "color": "#F1C40F"},
    {"name": "Revise", "state": "IN_PROGRESS", "color": "#FF6600"},
    {"name": "On Hold", "state": "BLOCKED", "color": "#E74C3C"},
    {"name": "Omitted", "state": "BLOCKED", "color": "#E74C3C"},
    {"name": "Approved", "state": "DONE", "color": "#1CBC90"},
    {"name": "Client approved", "state": "DONE", "color": "#1CBC90"},
    {"name": "Completed", "state": "DONE", "color": "#1CBC90"},
    {"name": "Done", "state": "DONE", "color": "#1CBC90"},
]

# -- task types ----------------------------------------------------------------------------
#
# Listed in ``sort`` order; every type is billable unless it says otherwise.

TASK_TYPES = [
    {"name": "Generic", "color": "#BDC3C7"},
    {"name": "Animation", "color": "#E67E22"},
    {"name": "Modeling", "color": "#9B59B6"},
    {"name": "Previz", "color": "#34495E"},
    {"name": "Lookdev", "color": "#8E44AD"},
    {"name": "Hair", "color": "#D35400"},
    {"name": "Cloth", "color": "#C0392B"},
    {"name": "FX", "color": "#E74C3C"},
    {"name": "Lighting", "color": "#F1C40F"},
    {"name": "Compositing", "color": "#1ABC9C"},
    {"name": "Tracking", "color": "#2ECC71"},
    {"name": "Rigging", "color": "#16A085"},
    {"name": "Rotoscoping", "color": "#27AE60"},
    {"name": "Matchmove", "color": "#2980B9"},
    {"name": "Paint and Cleanup", "color": "#7F8C8D"},
    {"name": "Editing", "color": "#3498DB"},
    {"name": "Production", "color": "#95A5A6", "is_billable": False},
    {"name": "Deliverable", "color": "#2C3E50"},
    {"name": "Character", "color": "#E91E63"},
    {"name": "Environment", "color": "#4CAF50"},
    {"name": "Prop", "color": "#FF9800"},
    {"name": "Matte Painting", "color": "#607D8B"},
]

# -- priorities ----------------------------------------------------------------------------
#
# Listed in ``sort`` order. Names, colours and values as on a real site (every value
# is 0 there). New tasks get the schemas' default priority, named "None" here.

PRIORITIES = [
    {"name": "Urgent", "color": "#E74C3C", "value": 0},
    {"name": "High", "color": "#E67E22", "value": 0},
    {"name": "Medium", "color": "#F1C40F", "value": 0},
    {"name": "Low", "color": "#1CBC90", "value": 0},
    {"name": "None", "color": "#CACACA", "value": 0},
]

# -- other fixed lists ---------------------------------------------------------------------

ASSET_TYPES = [
    {"name": "Upload", "short": "upload"},
    {"name": "Geometry", "short": "geo"},
    {"name": "Image", "short": "img"},
    {"name": "Render", "short": "render"},
    {"name": "Comp", "short": "comp"},
    {"name": "Scene", "short": "scene"},
    {"name": "Audio", "short": "audio"},
    {"name": "Animation", "short": "anim"},
    {"name": "Camera", "short": "cam"},
    {"name": "Rig", "short": "rig"},
    {"name": "Texture", "short": "texture"},
    {"name": "Script", "short": "script"},
]

# NoteCategory and NoteLabel are two names for these rows.
NOTE_CATEGORIES = [
    {"name": "Default", "color": "#BDC3C7"},
    {"name": "Client feedback", "color": "#E67E22"},
    {"name": "Internal", "color": "#3498DB"},
    {"name": "External Note", "color": "#9B59B6"},
]

LIST_CATEGORIES = [
    {"name": "Default"},
    {"name": "Client review"},
    {"name": "Dailies"},
    {"name": "Delivery"},
]

# Built-in (core) custom attribute types.
CUSTOM_ATTRIBUTE_TYPES = [
    {"name": "text"},
    {"name": "number"},
    {"name": "boolean"},
    {"name": "date"},
    {"name": "enumerator"},
    {"name": "dynamic enumerator"},
    {"name": "expression"},
    {"name": "url"},
]

# ``type`` names the kind of role (the SecurityRoleType the schema points at).
SECURITY_ROLES = [
    {"name": "Administrator", "type": "PROJECT"},
    {"name": "Project Manager", "type": "PROJECT"},
    {"name": "User", "type": "PROJECT"},
    {"name": "API", "type": "API"},
]

USER_TYPES = [
    {"name": "Standard"},
]

SETTINGS = [
    {"group": "STORAGE", "name": "storage_scenario", "value": STORAGE_SCENARIO},
]

# -- workflows and the project schema ------------------------------------------------------

WORKFLOW_SCHEMAS = {
    "VFX Task Workflow": [
        "Not started",
        "Ready to start",
        "In progress",
        "Pending Review",
        "Revise",
        "On Hold",
        "Omitted",
        "Approved",
        "Client approved",
        "Completed",
    ],
    "VFX Version Workflow": [
        "Pending Review",
        "Revise",
        "On Hold",
        "Approved",
        "Client approved",
    ],
    "Production Workflow": ["Not started", "In progress", "On Hold", "Done"],
}

TASK_TYPE_SCHEMAS = {
    "VFX Task Types": [
        "Generic",
        "Animation",
        "Modeling",
        "Previz",
        "Lookdev",
        "Hair",
        "Cloth",
        "FX",
        "Lighting",
        "Compositing",
        "Tracking",
        "Rigging",
        "Rotoscoping",
        "Matchmove",
        "Paint and Cleanup",
        "Editing",
        "Production",
        "Deliverable",
    ],
}

_CONTAINER_STATUSES = ["Not started", "In progress", "On Hold", "Omitted", "Completed"]

PROJECT_SCHEMAS = [
    {
        "name": "VFX Scheme",
        "task_workflow": "VFX Task Workflow",
        "version_workflow": "VFX Version Workflow",
        "task_type_schema": "VFX Task Types",
        # Task type name -> the workflow its tasks use instead of the task workflow.
        "overrides": {"Production": "Production Workflow"},
        "object_types": [entry["name"] for entry in OBJECT_TYPES],
        # Statuses and types of the object types other than Task (which uses the
        # workflows above). Object types that are neither statusable nor typeable
        # have no entry.
        "object_type_schemas": {
            "Asset Build": {
                "statuses": [
                    "Not started",
                    "In progress",
                    "Pending Review",
                    "On Hold",
                    "Omitted",
                    "Approved",
                    "Completed",
                ],
                "types": ["Character", "Environment", "Prop", "Matte Painting"],
            },
            "Episode": {"statuses": _CONTAINER_STATUSES, "types": []},
            "Sequence": {"statuses": _CONTAINER_STATUSES, "types": []},
            "Shot": {
                "statuses": [
                    "Not started",
                    "In progress",
                    "Pending Review",
                    "On Hold",
                    "Omitted",
                    "Approved",
                    "Client approved",
                    "Completed",
                ],
                "types": [],
            },
            "Milestone": {
                "statuses": ["Not started", "In progress", "Completed"],
                "types": ["Deliverable", "Production"],
            },
        },
    },
]

# -- the first user ------------------------------------------------------------------------

ADMIN_USER = {
    "first_name": "Admin",
    "last_name": "User",
    "email_domain": "localhost",
    "security_role": "Administrator",
}
