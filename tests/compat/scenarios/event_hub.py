"""Scenario for the ORIGINAL client: two event hubs talking through our server.

Runs under the original ftrack-python-api (see tests/compat/conftest.py) with the
FTRACK_* environment pointing at our server; prints one JSON object of findings.
Both hubs are pumped from this one thread with ``wait``, so callbacks run here.
"""

import json
import time
import uuid

import ftrack_api


def pump(hubs, done, timeout=20.0):
    """Let the hubs process events until ``done()`` or the timeout; return ``done()``."""
    deadline = time.time() + timeout
    while not done() and time.time() < deadline:
        for hub in hubs:
            hub.wait(0.05)
    return done()


def settle(hubs, seconds=0.5):
    """Keep processing a while, so late duplicates would show up."""
    pump(hubs, lambda: False, timeout=seconds)


def synchronise(hub):
    """Return once the server has handled everything ``hub`` sent so far.

    Frames of one connection are handled in order, so an event the hub publishes to
    itself comes back only after its earlier subscriptions were registered.
    """
    topic = "scenario.sync." + uuid.uuid4().hex
    seen = []
    hub.subscribe("topic=" + topic, seen.append)
    hub.publish(ftrack_api.event.base.Event(topic=topic))
    assert pump([hub], lambda: seen), "the hub never received its own event"


def main():
    findings = {}
    first = ftrack_api.Session()
    second = ftrack_api.Session()
    a, b = first.event_hub, second.event_hub
    a.connect()
    b.connect()
    findings["connected"] = [a.connected, b.connected]
    hubs = [a, b]

    # A publishes to itself.
    own = []
    own_subscriber = a.subscribe("topic=compat.self", lambda event: own.append(event["data"]))
    a.publish(ftrack_api.event.base.Event(topic="compat.self", data={"n": 1}))
    pump(hubs, lambda: own)
    settle(hubs)
    findings["self_delivery"] = list(own)

    # Two matching subscribers on one connection: each callback runs once.
    first_twice, second_twice = [], []
    a.subscribe("topic=compat.twice", lambda event: first_twice.append(event["id"]))
    a.subscribe("topic=compat.tw*", lambda event: second_twice.append(event["id"]))
    synchronise(a)
    b.publish(ftrack_api.event.base.Event(topic="compat.twice"))
    pump(hubs, lambda: first_twice and second_twice)
    settle(hubs)
    findings["twice_counts"] = [len(first_twice), len(second_twice)]

    # A replies to what B asks.
    a.subscribe("topic=compat.ask", lambda event: {"answer": event["data"]["question"] * 2})
    synchronise(a)
    replies = []
    question = ftrack_api.event.base.Event(topic="compat.ask", data={"question": 21})
    b.publish(question, on_reply=lambda event: replies.append(event))
    pump(hubs, lambda: replies)
    findings["reply_data"] = [reply["data"] for reply in replies]
    findings["reply_links"] = [reply["in_reply_to_event"] == question["id"] for reply in replies]
    findings["reply_topics"] = [reply["topic"] for reply in replies]

    # Targets select subscribers by their metadata, on the server.
    for_a, for_b = [], []
    a.subscribe(
        "topic=compat.targeted",
        lambda event: for_a.append(event["data"]["to"]),
        subscriber={"id": "compat-a-" + uuid.uuid4().hex},
    )
    b.subscribe(
        "topic=compat.targeted",
        lambda event: for_b.append(event["data"]["to"]),
        subscriber={"id": "compat-b", "applicationId": "compat.tests"},
    )
    synchronise(a)
    synchronise(b)
    b.publish(
        ftrack_api.event.base.Event(
            topic="compat.targeted", data={"to": "a"}, target="id=compat-a-*"
        )
    )
    a.publish(
        ftrack_api.event.base.Event(
            topic="compat.targeted", data={"to": "b"}, target="applicationId=compat.tests"
        )
    )
    pump(hubs, lambda: for_a and for_b)
    settle(hubs)
    findings["targeted"] = {"a": for_a, "b": for_b}

    # After unsubscribing, A no longer gets its own events.
    a.unsubscribe(own_subscriber)
    synchronise(a)
    a.publish(ftrack_api.event.base.Event(topic="compat.self", data={"n": 2}))
    settle(hubs, 1.0)
    findings["after_unsubscribe"] = list(own)

    # A sees what B commits.
    updates = []
    a.subscribe("topic=ftrack.update", updates.append)
    synchronise(a)
    schema = second.query('ProjectSchema where name is "VFX Scheme"').one()
    name = "compat_hub_" + uuid.uuid4().hex[:8]
    project = second.create("Project", {"name": name, "full_name": name, "project_schema": schema})
    second.commit()
    pump(hubs, lambda: updates)
    entities = [entity for update in updates for entity in update["data"]["entities"]]
    findings["update_entities"] = [
        [entity["entity_type"], entity["action"], entity["entityId"] == project["id"]]
        for entity in entities
    ]
    findings["update_source_user"] = updates[0]["source"]["user"]["username"] if updates else None
    second.delete(project)
    second.commit()

    a.disconnect()
    b.disconnect()
    findings["disconnected"] = [a.connected, b.connected]
    print(json.dumps(findings))


if __name__ == "__main__":
    main()
