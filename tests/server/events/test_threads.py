"""Handing events to the hub from other threads than the server's event loop."""

import threading
import uuid

from ftrack_server.context import RequestContext

from .peer import event


def test_publish_threadsafe_from_many_threads(connect, ftrack_server):
    peer = connect()
    topic = f"test.threads.{uuid.uuid4().hex[:8]}"
    peer.subscribe(f"topic={topic}")
    hub = ftrack_server.server.events

    def publish(thread):
        for number in range(25):
            hub.publish_threadsafe(event(topic, data={"thread": thread, "n": number}))

    threads = [threading.Thread(target=publish, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    received = [peer.next_event()["data"] for _ in range(200)]
    assert sorted((d["thread"], d["n"]) for d in received) == [
        (t, n) for t in range(8) for n in range(25)
    ]
    for thread in range(8):
        numbers = [d["n"] for d in received if d["thread"] == thread]
        assert numbers == sorted(numbers), "one thread's events keep their order"
    assert peer.barrier() == []


def test_publish_changes_from_a_worker_thread(connect, ftrack_server):
    peer = connect()
    token = uuid.uuid4().hex
    peer.subscribe(f"topic=ftrack.update and data.clientToken={token}")
    server = ftrack_server.server
    record = {
        "entityId": "n1",
        "entity_type": "Note",
        "entityType": "note",
        "action": "add",
        "keys": ["content"],
        "changes": {"content": {"old": None, "new": "hello"}},
        "parentId": None,
        "parents": [],
    }
    context = RequestContext(user_id="no-such-user", username="ghost", client_token=token)
    context.changes.append(record)

    worker = threading.Thread(target=server.after_commit, args=(context,))
    worker.start()
    worker.join()

    update = peer.next_event()
    assert update["data"]["entities"] == [record]
    assert update["data"]["user"] == {"userid": "no-such-user", "name": "ghost"}
    assert update["source"]["user"] == {"username": "ghost", "id": "no-such-user"}


def test_events_published_while_nobody_listens_are_not_kept(ftrack_server_factory, connect):
    server = ftrack_server_factory()
    context = RequestContext(user_id="u", username="jane")
    context.changes.append({"entityId": "x", "parents": []})
    server.server.events.publish_changes(context)
    server.server.events.publish_threadsafe(event("test.nobody"))

    peer = connect(server)
    peer.subscribe("topic=test.nobody or topic=ftrack.update")
    assert peer.barrier() == []
