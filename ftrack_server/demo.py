"""``ftrack-server demo``: a throwaway site, driven by the ftrack_api client.

Starts a local server with an in-memory database and a temporary data directory,
then runs a short pipeline script through ``ftrack_api`` (its public interface only,
as a user script would): it builds a project tree, queries it, changes it, publishes
a file to the server location and reads it back, and prints the ``ftrack.update``
event the server sends about the change.
"""

from __future__ import annotations

import os
import tempfile
import threading
from typing import List

from ftrack_server.runner import BackgroundServer
from ftrack_server.server import LocalServer


def run(session) -> None:  # type: ignore[no-untyped-def]
    """The demo script, for any ``ftrack_api.Session``."""
    import ftrack_api.symbol

    updates: List[dict] = []
    received = threading.Event()

    def on_update(event) -> None:  # type: ignore[no-untyped-def]
        updates.extend(event["data"].get("entities", []))
        received.set()

    session.event_hub.subscribe("topic=ftrack.update", on_update)
    session.event_hub.connect()

    schema = session.query('ProjectSchema where name is "VFX Scheme"').one()
    project = session.create(
        "Project", {"name": "demo", "full_name": "Demo project", "project_schema": schema}
    )
    sequence = session.create("Sequence", {"name": "sq010", "parent": project})
    task_type = schema.get_types("Task")[0]
    for number in (10, 20, 30):
        shot = session.create("Shot", {"name": f"sh{number:03d}", "parent": sequence})
        for name in ("animation", "compositing"):
            session.create("Task", {"name": name, "parent": shot, "type": task_type})
    session.commit()
    print("created project 'demo' with 1 sequence, 3 shots and 6 tasks in one commit")

    tasks = session.query(
        "select name, parent.name, status.name from Task "
        f'where project.id is "{project["id"]}" order by parent.name desc, name'
    ).all()
    print(f"queried {len(tasks)} tasks, latest shot first:")
    for task in tasks:
        print(f"  {task['parent']['name']}/{task['name']}  status: {task['status']['name']}")

    hero = session.query(f'Shot where project.id is "{project["id"]}" and name is "sh010"').one()
    hero["description"] = "hero shot"
    session.commit()
    print(f"updated {hero['name']}: description {hero['description']!r}")

    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", {"name": "plate", "parent": hero, "type": asset_type})
    version = session.create("AssetVersion", {"asset": asset})
    session.commit()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "plate.txt")
        with open(path, "w") as handle:
            handle.write("plate data\n")
        server_location = session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID)
        component = version.create_component(path, location=server_location)
    availability = component.get_availability([server_location])[server_location["id"]]
    data = server_location.accessor.open(server_location.get_resource_identifier(component))
    content = data.read()
    data.close()
    print(
        f"published {component['name']}{component['file_type']} as version "
        f"{version['version']} of '{asset['name']}': {availability:.0f}% on the server, "
        f"read back {content!r}"
    )

    received.clear()
    hero["description"] = "hero shot, final"
    session.commit()
    for _ in range(50):
        session.event_hub.wait(0.1)
        if received.is_set():
            break
    shot_updates = [entry for entry in updates if entry.get("entityId") == hero["id"]]
    if shot_updates:
        entry = shot_updates[-1]
        print(
            f"received ftrack.update: {entry['entity_type']} {entry['action']} "
            f"of {', '.join(entry['keys'])}"
        )
    else:
        print("no ftrack.update event arrived")

    session.delete(project)
    session.commit()
    left = session.query(f'TypedContext where project_id is "{project["id"]}"').all()
    print(f"deleted the project and its tree: {len(left)} contexts left")


def main() -> int:
    import ftrack_api

    with tempfile.TemporaryDirectory() as data_dir:
        server = LocalServer(data_dir=data_dir)
        with BackgroundServer(server) as background:
            print(f"local ftrack server on {background.url} (in-memory site)")
            session = ftrack_api.Session(
                server_url=background.url,
                api_key=server.admin_api_key,
                api_user=server.admin_username,
                plugin_paths=[],
                schema_cache_path=False,
            )
            try:
                run(session)
            finally:
                session.close()
    return 0
