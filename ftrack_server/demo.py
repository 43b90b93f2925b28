"""``ftrack-server demo``: start a throwaway site and show it working end to end.

The demo speaks the wire protocol (``POST /api``) with ``requests``, exactly as a
client does: it creates a project tree, queries it with criteria, projections,
ordering and paging, changes it, and deletes it. It prints what it does.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import requests

from ftrack_server.runner import BackgroundServer
from ftrack_server.server import LocalServer

SHOT_OBJECT_TYPE = "bad911de-3bd6-47b9-8b46-3476e237cb36"
SEQUENCE_OBJECT_TYPE = "e5139355-61da-4c8f-9db4-3abc870166bc"
TASK_OBJECT_TYPE = "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c"
VFX_SCHEME_ID = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"


class Api:
    """A minimal wire-protocol caller."""

    def __init__(self, url: str, user: str, key: str) -> None:
        self.url = url + "/api"
        self.http = requests.Session()
        self.http.headers.update(
            {"ftrack-user": user, "ftrack-api-key": key, "content-type": "application/json"}
        )

    def call(self, operations: List[Dict[str, Any]]) -> List[Any]:
        response = self.http.post(self.url, json=operations, timeout=60)
        body = response.json()
        if isinstance(body, dict) and "exception" in body:
            raise RuntimeError(f"{body['exception']}: {body['content']}")
        return body

    def query(self, expression: str) -> List[Dict[str, Any]]:
        return self.call([{"action": "query", "expression": expression}])[0]["data"]


def _ref(entity_type: str, entity_id: str) -> Dict[str, str]:
    return {"__entity_type__": entity_type, "id": entity_id}


def _create(entity_type: str, data: Dict[str, Any]) -> Dict[str, Any]:
    data = dict(data, __entity_type__=entity_type)
    return {
        "action": "create",
        "entity_type": entity_type,
        "entity_key": [data["id"]],
        "entity_data": data,
    }


def run(api: Api) -> None:
    """Run the demo against a server reached through ``api``."""
    project_id = str(uuid.uuid4())
    sequence_id = str(uuid.uuid4())
    operations = [
        _create(
            "Project",
            {
                "id": project_id,
                "name": "demo",
                "full_name": "Demo project",
                "project_schema": _ref("ProjectSchema", VFX_SCHEME_ID),
            },
        ),
        _create(
            "Sequence", {"id": sequence_id, "name": "sq010", "parent": _ref("Project", project_id)}
        ),
    ]
    shot_ids = []
    for number in (10, 20, 30):
        shot_id = str(uuid.uuid4())
        shot_ids.append(shot_id)
        operations.append(
            _create(
                "Shot",
                {
                    "id": shot_id,
                    "name": f"sh{number:03d}",
                    "parent": _ref("Sequence", sequence_id),
                },
            )
        )
        for task_name in ("animation", "compositing"):
            operations.append(
                _create(
                    "Task",
                    {"id": str(uuid.uuid4()), "name": task_name, "parent": _ref("Shot", shot_id)},
                )
            )
    api.call(operations)
    print("created project 'demo' with 1 sequence, 3 shots and 6 tasks in one batch")

    tasks = api.query(
        f'select name, parent.name, status.name from Task where project_id is "{project_id}" '
        'and parent.name like "sh%" order by parent.name desc, name'
    )
    print(f"queried {len(tasks)} tasks, newest shot first:")
    for task in tasks:
        print(f"  {task['parent']['name']}/{task['name']}  status: {task['status']['name']}")

    page = api.call(
        [
            {
                "action": "query",
                "expression": f'select name from Shot where project_id is "{project_id}" '
                "order by name limit 2",
            }
        ]
    )[0]
    print(
        f"first page of shots: {[shot['name'] for shot in page['data']]}, "
        f"next offset {page['metadata']['next']['offset']}"
    )

    api.call(
        [
            {
                "action": "update",
                "entity_type": "Shot",
                "entity_key": [shot_ids[0]],
                "entity_data": {"__entity_type__": "Shot", "description": "hero shot"},
            }
        ]
    )
    hero = api.query('select name, description from Shot where description is "HERO SHOT"')
    print(f"updated {hero[0]['name']}: description {hero[0]['description']!r}")

    api.call([{"action": "delete", "entity_type": "Project", "entity_key": [project_id]}])
    left = api.query(f'select id from Context where project_id is "{project_id}"')
    print(f"deleted the project and its tree: {len(left)} contexts left")


def main() -> int:
    with BackgroundServer(LocalServer()) as background:
        server = background.server
        print(f"local ftrack server on {background.url} (in-memory site)")
        run(Api(background.url, server.admin_username, server.admin_api_key or ""))
    return 0
