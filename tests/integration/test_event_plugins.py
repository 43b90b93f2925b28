"""An event plugin from FTRACK_EVENT_PLUGIN_PATH: ftrack.update and actions end to end."""

from __future__ import annotations

import textwrap
import threading
import time

import ftrack_api.event.base

PLUGIN = """
import ftrack_api.event.base

IDENTIFIER = "studio.publish-review"


def register(session, **kw):
    updates = []
    session._plugin_updates = updates

    def on_update(event):
        updates.extend(event["data"]["entities"])

    def discover(event):
        return {"items": [{"label": "Publish review", "actionIdentifier": IDENTIFIER}]}

    def launch(event):
        selection = event["data"].get("selection", [])
        return {"success": True, "message": "Publishing %d items" % len(selection)}

    hub = session.event_hub
    hub.subscribe("topic=ftrack.update", on_update)
    hub.subscribe("topic=ftrack.action.discover", discover)
    hub.subscribe(
        "topic=ftrack.action.launch and data.actionIdentifier=%s" % IDENTIFIER, launch
    )
"""


def _wait(hub, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        hub.wait(0.05)
    return condition()


def test_plugin_receives_updates_and_answers_actions(
    ftrack_server, tmp_path, monkeypatch, session_factory, new_project
):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "review_action.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.setenv("FTRACK_EVENT_PLUGIN_PATH", str(plugins))
    provider = session_factory(plugin_paths=None)
    provider.event_hub.connect()
    stop = threading.Event()

    def serve():
        # A plugin process runs its handlers in the thread waiting on the hub.
        while not stop.is_set():
            provider.event_hub.wait(0.05)

    serving = threading.Thread(target=serve, daemon=True)
    serving.start()
    try:
        # A change committed by anyone reaches the plugin as ftrack.update.
        project = new_project()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            entry.get("entityId") == project["id"] for entry in provider._plugin_updates
        ):
            time.sleep(0.05)
        added = [entry for entry in provider._plugin_updates if entry["entityId"] == project["id"]]
        assert added and added[0]["action"] == "add" and added[0]["entity_type"] == "Project"

        # A client (the web UI, say) discovers and launches the action through the hub.
        client = session_factory()
        client.event_hub.connect()
        replies = []
        client.event_hub.publish(
            ftrack_api.event.base.Event(
                topic="ftrack.action.discover",
                data={"selection": [{"entityId": project["id"], "entityType": "show"}]},
            ),
            on_reply=lambda event: replies.append(event["data"]),
        )
        assert _wait(client.event_hub, lambda: bool(replies))
        assert replies[0]["items"][0]["actionIdentifier"] == "studio.publish-review"

        launched = []
        client.event_hub.publish(
            ftrack_api.event.base.Event(
                topic="ftrack.action.launch",
                data={
                    "actionIdentifier": "studio.publish-review",
                    "selection": [{"entityId": project["id"], "entityType": "show"}],
                },
            ),
            on_reply=lambda event: launched.append(event["data"]),
        )
        assert _wait(client.event_hub, lambda: bool(launched))
        assert launched[0] == {"success": True, "message": "Publishing 1 items"}
    finally:
        stop.set()
        serving.join(5)
