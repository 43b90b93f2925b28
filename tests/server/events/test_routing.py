"""Subscribing, publishing, targets, replies and cleanup, over real websockets."""

import sys
import uuid

import pytest

from ftrack_server.events.event import EVENT_KEYS

from .peer import event, frame, wait_until


def _topic(name):
    return f"test.{name}.{uuid.uuid4().hex[:8]}"


def test_a_publisher_receives_its_own_event(connect):
    peer = connect()
    topic = _topic("self")
    assert peer.subscribe(f"topic={topic}") == {"success": True}
    sent = event(topic, data={"shot": "sh010"}, source={"id": "hub-1", "user": {"username": "a"}})
    assert peer.emit(sent) == {"success": True}
    received = peer.next_event()
    assert received == {**sent, "sent": None, "inReplyToEvent": None}


def test_events_go_to_other_connections_with_matching_subscribers(connect):
    publisher, listener, bystander = connect(), connect(), connect()
    topic = _topic("fanout")
    listener.subscribe(f"topic={topic}")
    bystander.subscribe(f"topic={topic}.other")
    publisher.emit(event(topic, data={"n": 1}))
    assert listener.next_event()["data"] == {"n": 1}
    assert bystander.barrier() == []
    assert publisher.barrier() == [], "no subscriber on the publisher, no delivery"


def test_at_most_once_per_connection_with_several_matching_subscribers(connect):
    peer = connect()
    topic = _topic("once")
    peer.subscribe(f"topic={topic}")
    peer.subscribe("topic=test.once*")
    peer.subscribe(f"topic={topic} and data.n=1")
    peer.emit(event(topic, data={"n": "1"}))
    assert peer.next_event()["topic"] == topic
    assert peer.barrier() == [], "the event arrived twice"


def test_duplicate_subscribes_are_idempotent(connect, ftrack_server):
    peer = connect()
    topic = _topic("duplicate")
    subscriber_id = uuid.uuid4().hex
    assert peer.subscribe(f"topic={topic}", subscriber_id) == {"success": True}
    assert peer.subscribe(f"topic={topic}", subscriber_id) == {"success": True}
    (connection,) = [c for c in ftrack_server.server.events.connections if c.sid == peer.sid]
    assert list(connection.subscribers) == [subscriber_id]
    peer.emit(event(topic))
    assert peer.next_event()["topic"] == topic
    assert peer.barrier() == []


def test_a_second_subscribe_with_the_same_id_replaces_the_subscription(connect):
    peer = connect()
    first, second = _topic("first"), _topic("second")
    subscriber_id = uuid.uuid4().hex
    peer.subscribe(f"topic={first}", subscriber_id)
    peer.subscribe(f"topic={second}", subscriber_id)
    peer.emit(event(first))
    peer.emit(event(second))
    assert [e["topic"] for e in peer.barrier()] == [second]


def test_unsubscribe_stops_delivery(connect):
    peer = connect()
    topic = _topic("unsubscribe")
    subscriber_id = uuid.uuid4().hex
    peer.subscribe(f"topic={topic}", subscriber_id)
    assert peer.unsubscribe(subscriber_id) == {"success": True}
    assert peer.unsubscribe(subscriber_id) == {"success": True}, "unknown ids are fine"
    peer.emit(event(topic))
    assert peer.barrier() == []


def test_meta_topics_are_consumed_not_routed(connect):
    peer = connect()
    peer.subscribe("topic=ftrack.meta.*")
    peer.subscribe(f"topic={_topic('meta')}")
    assert peer.barrier() == []


def test_only_the_seven_event_keys_are_forwarded(connect):
    peer = connect()
    topic = _topic("keys")
    peer.subscribe(f"topic={topic}")
    peer.emit({"topic": topic, "in_reply_to_event": "e-1", "extra": 1, "applicationId": "x"})
    received = peer.next_event()
    assert tuple(received) == EVENT_KEYS
    assert received["inReplyToEvent"] == "e-1"
    assert received["data"] == {}
    assert received["source"] == {}
    assert received["target"] == ""
    assert len(received["id"]) == 32, "an event without id gets one"


def test_subscriptions_see_the_reply_link_in_both_spellings(connect):
    peer = connect()
    topic = _topic("link")
    peer.subscribe(f"topic={topic} and in_reply_to_event=e-7")
    peer.subscribe(f"topic={topic} and inReplyToEvent=e-8")
    peer.emit(event(topic, inReplyToEvent="e-7"))
    peer.emit(event(topic, inReplyToEvent="e-8"))
    peer.emit(event(topic, inReplyToEvent="e-9"))
    assert [e["inReplyToEvent"] for e in peer.barrier()] == ["e-7", "e-8"]


def test_targets_select_subscribers_by_metadata_on_the_server(connect):
    publisher, first, second = connect(), connect(), connect()
    topic = _topic("target")
    first.subscribe(f"topic={topic}", "first-sub", applicationId="ftrack.api.javascript")
    second.subscribe(f"topic={topic}", "second-sub", user={"username": "jane"})
    publisher.emit(event(topic, data="to first", target="id=first-sub"))
    publisher.emit(event(topic, data="to second", target="user.username=jane"))
    publisher.emit(event(topic, data="to js", target="applicationId=ftrack.api.*"))
    publisher.emit(event(topic, data="to none", target="id=nobody"))
    publisher.emit(event(topic, data="to all", target=""))
    assert [e["data"] for e in first.barrier()] == ["to first", "to js", "to all"]
    assert [e["data"] for e in second.barrier()] == ["to second", "to all"]


def test_a_target_needs_the_same_subscriber_to_match_the_topic(connect):
    publisher, listener = connect(), connect()
    topic = _topic("same")
    listener.subscribe(f"topic={topic}", "topic-sub")
    listener.subscribe(f"topic={_topic('elsewhere')}", "targeted-sub")
    publisher.emit(event(topic, target="id=targeted-sub"))
    assert listener.barrier() == []


def test_an_invalid_target_is_refused_and_delivered_to_nobody(connect):
    peer = connect()
    topic = _topic("bad-target")
    peer.subscribe(f"topic={topic}")
    ack = peer.emit(event(topic, target="id=="))
    assert ack["success"] is False
    assert "id==" in ack["message"]
    assert peer.barrier() == []


def test_replies_route_back_to_the_publisher(connect):
    asker, replier = connect(), connect()
    asker_hub = uuid.uuid4().hex
    asker.subscribe("topic=ftrack.meta.reply", asker_hub)
    replier.subscribe("topic=ftrack.meta.reply", uuid.uuid4().hex)
    topic = _topic("question")
    replier.subscribe(f"topic={topic}", "answering-sub")
    question = event(topic, data={"q": 21}, source={"id": asker_hub})
    asker.emit(question)

    received = replier.next_event()
    answer = event(
        "ftrack.meta.reply",
        data={"a": received["data"]["q"] * 2},
        source={"id": "answering-sub"},
        target=f"id={received['source']['id']}",
        inReplyToEvent=received["id"],
    )
    replier.emit(answer)

    reply = asker.next_event()
    assert reply["topic"] == "ftrack.meta.reply"
    assert reply["inReplyToEvent"] == question["id"]
    assert reply["data"] == {"a": 42}
    assert replier.barrier() == [], "the reply targets the asker only"


def test_events_from_the_javascript_client_are_routed_but_never_acked(connect):
    js, listener = connect(as_query=True), connect()
    topic = _topic("js")
    listener.subscribe(f"topic={topic}")
    js.send(
        frame(
            {
                "topic": "ftrack.meta.subscribe",
                "data": {"subscriber": {"id": "js-sub"}, "subscription": f"topic={topic}"},
            }
        )
    )
    js.send(frame(event(topic, data="from js")))
    assert listener.next_event()["data"] == "from js"
    assert js.next_event()["data"] == "from js"
    assert js.barrier() == []
    assert not [f for f in js.frames if f.startswith("6:")], "no acks without an id"


def test_closing_a_connection_drops_its_subscribers(connect, ftrack_server):
    publisher, leaving = connect(), connect()
    topic = _topic("leaving")
    leaving.subscribe(f"topic={topic}")
    events = ftrack_server.server.events
    assert any(c.sid == leaving.sid for c in events.connections)
    leaving.send("0::")
    assert wait_until(lambda: all(c.sid != leaving.sid for c in events.connections))
    assert publisher.emit(event(topic)) == {"success": True}


def test_a_dropped_socket_drops_its_subscribers(connect, ftrack_server):
    leaving = connect()
    leaving.subscribe(f"topic={_topic('dropped')}")
    leaving.close()
    events = ftrack_server.server.events
    assert wait_until(lambda: all(c.sid != leaving.sid for c in events.connections))


def test_malformed_input_is_refused_without_harm(connect):
    peer, other = connect(), connect()
    topic = _topic("survivor")
    other.subscribe(f"topic={topic}")
    for garbage in ["", "hello", "5", "5:::not json", "5:::[1, 2]", "9::", "8::", "7:::oops"]:
        peer.send(garbage)
    peer.send('5:::{"name": "other", "args": [{}]}')
    peer.socket.send_binary(b"\x00\x01")

    refused = [
        ('5:41+::{"name": "ftrack.event", "args": []}', "argument"),
        ('5:42+::{"name": "ftrack.event", "args": [{"data": {}}]}', "topic"),
        ('5:43+::{"name": "ftrack.event", "args": [{"topic": 5}]}', "topic"),
        ('5:44+::{"name": "ftrack.event", "args": ["text"]}', "object"),
        ("5:45+::not json", "JSON"),
    ]
    for text, reason in refused:
        peer.send(text)
        ack_id = int(text.split(":")[1].rstrip("+"))
        ack = peer.ack(ack_id)
        assert ack["success"] is False
        assert reason in ack["message"]

    bad_subscriptions = [
        {"subscriber": {"id": "x"}, "subscription": "topic=="},
        {"subscriber": {"id": "x"}},
        {"subscriber": {}, "subscription": "topic=a"},
        {"subscriber": "x", "subscription": "topic=a"},
        "not a mapping",
    ]
    for data in bad_subscriptions:
        assert peer.emit(event("ftrack.meta.subscribe", data=data))["success"] is False
    assert peer.emit(event("ftrack.meta.unsubscribe", data={}))["success"] is False

    peer.emit(event(topic, data="still works"))
    assert other.next_event()["data"] == "still works"
    assert peer.subscribe(f"topic={topic}") == {"success": True}
    assert peer.barrier() == []


def test_non_ascii_text_travels_unchanged(connect):
    peer = connect()
    topic = _topic("unicode")
    peer.subscribe(f'topic={topic} and data.name="Jürgen Müller"')
    peer.emit(event(topic, data={"name": "Jürgen Müller", "note": "日本語 ✓"}))
    assert peer.next_event()["data"] == {"name": "Jürgen Müller", "note": "日本語 ✓"}


@pytest.mark.skipif(
    sys.version_info < (3, 10),
    reason="the uvicorn releases for Python 3.9 buffer websocket sends without "
    "backpressure, so a slow reader never fills the hub's bounded queue",
)
def test_a_client_that_falls_too_far_behind_is_disconnected(
    ftrack_server_factory, connect, caplog
):
    server = ftrack_server_factory()
    hub = server.server.events
    hub.max_queued = 4
    slow, publisher = connect(server), connect(server)
    topic = _topic("flood")
    slow.subscribe(f"topic={topic}")  # and then never reads again
    payload = "x" * 256_000
    for _ in range(200):
        publisher.send(frame(event(topic, data=payload)))
        if all(c.sid != slow.sid for c in hub.connections):
            break
    assert wait_until(lambda: all(c.sid != slow.sid for c in hub.connections))
    assert any("frames behind" in record.getMessage() for record in caplog.records)
    assert publisher.subscribe(f"topic={topic}") == {"success": True}
    publisher.emit(event(topic, data="after"))
    assert publisher.events_until(topic)[-1]["data"] == "after"
    assert publisher.barrier() == []
