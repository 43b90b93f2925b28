"""Tests for the event hub: socket.io framing, local dispatch and the wire behaviour.

Wire tests run the hub against :class:`ScriptedEventServer`, a small socket.io 0.9
server living in this module. Unlike the real local server it can misbehave on
demand (refuse handshakes, stay silent, send odd packets, drop the connection),
and it records every frame it receives.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

import pytest
from websockets.sync.server import ServerConnection, serve

import ftrack_api.event.hub
import ftrack_api.exception
from ftrack_api.event import _socketio
from ftrack_api.event.base import Event
from ftrack_api.event.hub import EventHub, ServerDetails, SocketIoSession

# -- A scripted socket.io 0.9 server ------------------------------------------


class ScriptedEventServer:
    """A socket.io 0.9 event server whose behaviour tests can change at any time.

    It acknowledges every event packet that asks for it, and sends every event
    that is not a subscribe/unsubscribe request back to all open connections.
    """

    def __init__(self) -> None:
        self.handshake_response = None  # (status, body) to answer instead of a session
        self.send_connect_packet = True
        self.acknowledgement: List[Any] = [{"success": True}]
        self.heartbeat_interval: Optional[float] = None
        self.handshakes: List[Dict[str, str]] = []
        self.upgrades: List[Dict[str, Any]] = []
        self.received: List[str] = []
        self.connections: List[ServerConnection] = []
        self._changed = threading.Condition()
        self._server = serve(
            self._handle_connection,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            compression=None,
            ping_interval=None,
        )
        self.port = self._server.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.drop_connections()
        self._server.shutdown()
        self._thread.join(5)

    # What the server saw.

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until *predicate* (run under the server lock) is true; return its value."""
        with self._changed:
            result = self._changed.wait_for(predicate, timeout)
        assert result, "the scripted server did not see what the test waited for"
        return result

    def events(self, topic: Optional[str] = None) -> List[Dict[str, Any]]:
        """The events received so far (optionally only those of *topic*)."""
        found = []
        for frame in list(self.received):
            if frame.startswith("5:"):
                event = json.loads(frame.split(":", 3)[3])["args"][0]
                if topic is None or event["topic"] == topic:
                    found.append(event)
        return found

    def subscribed_ids(self) -> List[str]:
        return [event["data"]["subscriber"]["id"] for event in self.events(SUBSCRIBE)]

    # Acting on clients.

    def send(self, frame: str) -> None:
        for connection in list(self.connections):
            connection.send(frame)

    def send_event(self, event: Dict[str, Any]) -> None:
        self.send("5:::" + json.dumps({"name": "ftrack.event", "args": [event]}))

    def drop_connections(self) -> None:
        for connection in list(self.connections):
            connection.close()

    # Serving.

    def _process_request(self, connection, request):
        headers = dict(request.headers.raw_items())
        if request.path.startswith("/socket.io/1/websocket/"):
            self.upgrades.append({"path": request.path, "headers": headers})
            return None
        with self._changed:
            self.handshakes.append(headers)
            self._changed.notify_all()
        if self.handshake_response is not None:
            return connection.respond(*self.handshake_response)
        return connection.respond(200, f"{uuid.uuid4().hex}:60:60:websocket,xhr-polling")

    def _handle_connection(self, connection: ServerConnection) -> None:
        with self._changed:
            self.connections.append(connection)
            self._changed.notify_all()
        stop_heartbeats = threading.Event()
        if self.heartbeat_interval:
            threading.Thread(
                target=self._send_heartbeats, args=(connection, stop_heartbeats), daemon=True
            ).start()
        try:
            if self.send_connect_packet:
                connection.send("1::")
            for frame in connection:
                self._handle_frame(connection, frame)
        except Exception:
            pass
        finally:
            stop_heartbeats.set()
            with self._changed:
                self.connections.remove(connection)
                self._changed.notify_all()

    def _send_heartbeats(self, connection, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_interval):
            try:
                connection.send("2::")
            except Exception:
                return

    def _handle_frame(self, connection: ServerConnection, frame: str) -> None:
        with self._changed:
            self.received.append(frame)
            self._changed.notify_all()
        code, identifier, _, data = frame.split(":", 3) if frame.count(":") >= 3 else [""] * 4
        if code != "5":
            return
        event = json.loads(data)["args"][0]
        if identifier.endswith("+") and self.acknowledgement is not None:
            _send_quietly(connection, f"6:::{identifier[:-1]}+{json.dumps(self.acknowledgement)}")
        if event["topic"] not in (SUBSCRIBE, UNSUBSCRIBE):
            for other in list(self.connections):
                _send_quietly(
                    other, "5:::" + json.dumps({"name": "ftrack.event", "args": [event]})
                )


def _send_quietly(connection: ServerConnection, frame: str) -> None:
    """Send *frame*, ignoring a connection that the client is closing."""
    try:
        connection.send(frame)
    except Exception:
        pass


SUBSCRIBE = "ftrack.meta.subscribe"
UNSUBSCRIBE = "ftrack.meta.unsubscribe"


@pytest.fixture
def server():
    scripted = ScriptedEventServer()
    yield scripted
    scripted.stop()


@pytest.fixture
def make_hub():
    """Build hubs that are disconnected (quietly) after the test."""
    hubs: List[EventHub] = []

    def make(url: str = "http://127.0.0.1:1", **options: Any) -> EventHub:
        hub = EventHub(url, "jane", "secret-key", **options)
        hub._auto_reconnect_delay = 0.05
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        try:
            hub.disconnect()
        except ftrack_api.exception.EventHubConnectionError:
            pass


def pump(hub: EventHub, predicate: Callable[[], Any], timeout: float = 5.0) -> None:
    """Run ``hub.wait`` in short slices until *predicate* is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached while waiting on the hub"
        hub.wait(0.02)


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# -- socket.io framing --------------------------------------------------------


def test_decode_packet_splits_on_the_first_three_colons_only():
    packet = _socketio.decode_packet('5:::{"name": "a:b", "args": [{"topic": "x:y"}]}')
    assert packet == ("5", "", "", '{"name": "a:b", "args": [{"topic": "x:y"}]}')
    assert packet.name == "event"


@pytest.mark.parametrize(
    ("frame", "expected"),
    [("1::", ("1", "", "", "")), ("2::", ("2", "", "", "")), ("0::", ("0", "", "", ""))],
)
def test_decode_packet_pads_short_frames(frame, expected):
    assert _socketio.decode_packet(frame) == expected


def test_decode_packet_reads_acknowledgement_identifiers():
    packet = _socketio.decode_packet('6:::7+[{"success": true}]')
    assert packet.name == "acknowledge"
    assert _socketio.split_acknowledgement(packet.data) == ("7", '[{"success": true}]')


@pytest.mark.parametrize("frame", ["", "8::", "x:::data", "5"])
def test_decode_packet_rejects_frames_that_are_not_socket_io_packets(frame):
    with pytest.raises(ftrack_api.exception.EventHubPacketError):
        _socketio.decode_packet(frame)


def test_encode_packet():
    assert _socketio.encode_packet("2") == "2:::"
    assert _socketio.encode_packet("5", "3+", "", "{}") == "5:3+::{}"


def test_parse_handshake():
    handshake = _socketio.parse_handshake("abc123:60:25:websocket,xhr-polling\n")
    assert handshake == ("abc123", "60", "25", ["websocket", "xhr-polling"])


@pytest.mark.parametrize("body", ["abc:60:60", "", ":60:60:websocket"])
def test_parse_handshake_rejects_incomplete_replies(body):
    with pytest.raises(ftrack_api.exception.EventHubConnectionError):
        _socketio.parse_handshake(body)


# -- Construction and addresses -------------------------------------------------


def test_server_details_drop_the_path():
    hub = EventHub("https://studio.example.com:8443/some/path", "jane", "key")
    assert hub.server == ServerDetails("https", "studio.example.com", 8443)
    assert hub.secure is True
    assert hub.get_network_location() == "studio.example.com:8443"
    assert hub.get_server_url() == "https://studio.example.com:8443"


def test_server_without_port_and_plain_http():
    hub = EventHub("http://studio.example.com", "jane", "key")
    assert hub.server == ServerDetails("http", "studio.example.com", None)
    assert hub.secure is False
    assert hub.get_server_url() == "http://studio.example.com"


def test_ipv6_network_location_keeps_brackets():
    hub = EventHub("http://[::1]:9000", "jane", "key")
    assert hub.get_network_location() == "[::1]:9000"


def test_new_hub_defaults():
    hub = EventHub("http://localhost", "jane", "key")
    assert len(hub.id) == 32 and int(hub.id, 16) >= 0
    assert hub.connected is False
    assert hub._subscribers == []
    assert hub._auto_reconnect_attempts == 30
    assert hub._auto_reconnect_delay == 10
    assert hub._code_name_mapping["5"] == "event"
    assert hub._code_name_mapping["heartbeat"] == "2"
    assert hub.logger.name == "ftrack_api.event.hub.EventHub"


# -- Subscribers ----------------------------------------------------------------


def test_subscribe_returns_identifier_and_keeps_metadata():
    hub = EventHub("http://localhost", "jane", "key")
    identifier = hub.subscribe("topic=foo", print, subscriber={"applicationId": "app"})

    subscriber = hub.get_subscriber_by_identifier(identifier)
    assert subscriber.metadata == {"applicationId": "app", "id": identifier}
    assert subscriber.priority == 100
    assert str(subscriber.subscription) == "topic=foo"


def test_subscribe_rejects_a_taken_identifier():
    hub = EventHub("http://localhost", "jane", "key")
    hub.subscribe("topic=foo", print, subscriber={"id": "abc"})
    with pytest.raises(ftrack_api.exception.NotUniqueError) as error:
        hub.subscribe("topic=bar", print, subscriber={"id": "abc"})
    assert str(error.value) == "Subscriber with identifier abc already exists."


def test_unsubscribe_removes_the_subscriber():
    hub = EventHub("http://localhost", "jane", "key")
    identifier = hub.subscribe("topic=foo", lambda event: "called")
    hub.unsubscribe(identifier)

    assert hub.get_subscriber_by_identifier(identifier) is None
    assert hub.publish(Event("foo"), synchronous=True) == []


def test_unsubscribe_missing_subscriber():
    hub = EventHub("http://localhost", "jane", "key")
    with pytest.raises(ftrack_api.exception.NotFoundError) as error:
        hub.unsubscribe("nope")
    assert str(error.value) == "Cannot unsubscribe missing subscriber with identifier nope"


def test_subscription_context_manager_unsubscribes_on_exit():
    hub = EventHub("http://localhost", "jane", "key")
    with hub.subscription("topic=foo", lambda event: "inside") as identifier:
        assert hub.get_subscriber_by_identifier(identifier) is not None
        assert hub.publish(Event("foo"), synchronous=True) == ["inside"]
    assert hub.get_subscriber_by_identifier(identifier) is None
    assert hub.publish(Event("foo"), synchronous=True) == []


# -- Local (synchronous) dispatch -------------------------------------------------


def recorder(calls: List[str], name: str, result: Any = None, stop: bool = False):
    def callback(event):
        calls.append(name)
        if stop:
            event.stop()
        return result

    return callback


def test_synchronous_publish_calls_subscribers_by_priority_and_returns_results():
    hub = EventHub("http://localhost", "jane", "key")
    calls: List[str] = []
    hub.subscribe("topic=foo", recorder(calls, "default", "r-default"))
    hub.subscribe("topic=foo", recorder(calls, "first", "r-first"), priority=10)
    hub.subscribe("topic=foo", recorder(calls, "last", None), priority=200)
    hub.subscribe("topic=other", recorder(calls, "other", "r-other"), priority=0)

    results = hub.publish(Event("foo"), synchronous=True)

    assert calls == ["first", "default", "last"]
    assert results == ["r-first", "r-default", None]


def test_equal_priorities_keep_subscription_order():
    hub = EventHub("http://localhost", "jane", "key")
    calls: List[str] = []
    for name in ["a", "b", "c"]:
        hub.subscribe("topic=foo", recorder(calls, name), priority=5)
    hub.publish(Event("foo"), synchronous=True)
    assert calls == ["a", "b", "c"]


def test_stop_keeps_the_event_from_lower_priority_subscribers():
    hub = EventHub("http://localhost", "jane", "key")
    calls: List[str] = []
    hub.subscribe("topic=foo", recorder(calls, "first", 1), priority=1)
    hub.subscribe("topic=foo", recorder(calls, "stopper", 2, stop=True), priority=2)
    hub.subscribe("topic=foo", recorder(calls, "never", 3), priority=3)

    assert hub.publish(Event("foo"), synchronous=True) == [1, 2]
    assert calls == ["first", "stopper"]


def test_a_failing_subscriber_is_logged_and_skipped(caplog):
    hub = EventHub("http://localhost", "jane", "key")
    calls: List[str] = []

    def broken(event):
        calls.append("broken")
        raise ValueError("boom")

    hub.subscribe("topic=foo", broken, priority=1)
    hub.subscribe("topic=foo", recorder(calls, "after", "fine"), priority=2)

    with caplog.at_level(logging.ERROR, logger="ftrack_api.event.hub"):
        results = hub.publish(Event("foo"), synchronous=True)

    assert results == ["fine"]
    assert calls == ["broken", "after"]
    assert "Error calling subscriber" in caplog.text
    assert "boom" in caplog.text


def test_target_selects_subscribers_by_metadata():
    hub = EventHub("http://localhost", "jane", "key")
    hub.subscribe("topic=foo", lambda event: "app", subscriber={"applicationId": "app"})
    hub.subscribe("topic=foo", lambda event: "other", subscriber={"applicationId": "other"})

    assert hub.publish(Event("foo", target="applicationId=app"), synchronous=True) == ["app"]
    assert hub.publish(Event("foo", target="applicationId=none"), synchronous=True) == []
    assert sorted(hub.publish(Event("foo", target=""), synchronous=True)) == ["app", "other"]


def test_unparsable_target_is_logged_and_nothing_is_called(caplog):
    hub = EventHub("http://localhost", "jane", "key")
    calls: List[str] = []
    hub.subscribe("topic=foo", recorder(calls, "called"))
    with caplog.at_level(logging.ERROR, logger="ftrack_api.event.hub"):
        assert hub.publish(Event("foo", target="id=="), synchronous=True) is None
    assert calls == []
    assert "failed to parse event target" in caplog.text


def test_synchronous_publish_fills_in_the_source():
    hub = EventHub("http://localhost", "jane", "key")
    seen: List[Dict[str, Any]] = []
    hub.subscribe("topic=foo", lambda event: seen.append(dict(event["source"])))

    hub.publish(Event("foo"), synchronous=True)
    hub.publish(Event("foo", source={"id": "given", "user": {"username": "bob"}}), True)

    assert seen[0]["id"] == hub.id
    assert seen[0]["user"] == {"username": "jane"}
    assert isinstance(seen[0]["host"], str) and seen[0]["host"]
    assert seen[1]["id"] == "given"
    assert seen[1]["user"] == {"username": "bob"}


def test_synchronous_results_are_not_sent_as_replies():
    hub = EventHub("http://localhost", "jane", "key")
    hub.subscribe("topic=foo", lambda event: "result")
    # Not connected: a reply attempt would raise or queue; neither may happen.
    assert hub.publish(Event("foo", source={"id": "elsewhere"}), synchronous=True) == ["result"]
    assert hub._event_send_queue.empty()


# -- Publishing while not connected --------------------------------------------------


def test_asynchronous_publish_without_connection_raises():
    hub = EventHub("http://localhost", "jane", "key")
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as error:
        hub.publish(Event("foo"))
    assert str(error.value) == "Cannot publish event asynchronously as not connected to server."


def test_asynchronous_publish_without_connection_can_be_ignored():
    hub = EventHub("http://localhost", "jane", "key")
    assert hub.publish(Event("foo"), on_error="ignore") is None
    assert hub._event_send_queue.empty()


def test_publish_is_queued_once_the_connection_is_initialised():
    hub = EventHub("http://localhost", "jane", "key")
    hub.init_connection()
    assert hub.publish(Event("foo")) is True
    assert hub._event_send_queue.qsize() == 1


def test_wait_requires_a_connection():
    hub = EventHub("http://localhost", "jane", "key")
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as error:
        hub.wait(0.01)
    assert str(error.value).startswith("Event hub does not have a connection to the event server")


def test_wait_returns_after_duration_when_connecting():
    hub = EventHub("http://localhost", "jane", "key")
    hub.init_connection()
    started = time.monotonic()
    hub.wait(0.2)
    assert 0.15 <= time.monotonic() - started < 1.0


def test_disconnect_when_not_connected():
    hub = EventHub("http://localhost", "jane", "key")
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as error:
        hub.disconnect()
    assert str(error.value) == "Not currently connected."


# -- JSON encoding ---------------------------------------------------------------


def test_encode_uses_camel_case_reply_key_and_raw_unicode():
    hub = EventHub("http://localhost", "jane", "key")
    event = Event("foo", id="1", data={"name": "café"}, in_reply_to_event="0")
    encoded = hub._encode({"args": [event]})
    assert encoded == (
        '{"args": [{"id": "1", "data": {"name": "café"}, "topic": "foo", "sent": null, '
        '"source": {}, "target": "", "inReplyToEvent": "0"}]}'
    )


def test_encode_rejects_unknown_objects():
    hub = EventHub("http://localhost", "jane", "key")
    with pytest.raises(TypeError, match="is not JSON serializable"):
        hub._encode({"value": object()})


def test_decode_uses_python_reply_key():
    hub = EventHub("http://localhost", "jane", "key")
    decoded = hub._decode('{"args": [{"topic": "foo", "inReplyToEvent": "0"}]}')
    assert decoded == {"args": [{"topic": "foo", "in_reply_to_event": "0"}]}


def test_prepare_reply_event_targets_the_source_hub():
    hub = EventHub("http://localhost", "jane", "key")
    source_event = Event("foo", source={"id": "publisher"})
    reply = Event("ftrack.meta.reply")
    hub._prepare_reply_event(reply, source_event, source={"id": "me"})
    assert reply["target"] == "id=publisher"
    assert reply["in_reply_to_event"] == source_event["id"]
    assert reply["source"] == {"id": "me"}


# -- Against the scripted server -----------------------------------------------------


def test_connect_handshake_and_websocket_requests(server, make_hub):
    hub = make_hub(
        server.url + "/ignored/path",
        headers={"ftrack-strict-api": "false"},
        cookies={"session": "abc"},
    )
    hub.connect()

    assert hub.connected is True
    handshake = server.handshakes[0]
    assert handshake["ftrack-user"] == "jane"
    assert handshake["ftrack-api-key"] == "secret-key"
    assert handshake["ftrack-strict-api"] == "false"
    assert handshake["Cookie"] == "session=abc"

    upgrade = server.upgrades[0]
    assert upgrade["path"].startswith("/socket.io/1/websocket/")
    assert upgrade["headers"]["ftrack-strict-api"] == "false"
    assert upgrade["headers"]["Cookie"] == "session=abc"
    assert "ftrack-api-key" not in upgrade["headers"]


def test_get_socket_io_session(server):
    hub = EventHub(server.url, "jane", "key")
    session = hub._get_socket_io_session()
    assert isinstance(session, SocketIoSession)
    assert len(session.id) == 32
    assert session.heartbeatTimeout == "60"
    assert session.supportedTransports == ["websocket", "xhr-polling"]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ((500, "broken"), "Received unexpected status code 500."),
        ((401, "denied"), "Received unexpected status code 401."),
        ((200, "abc:60:60:xhr-polling"), "Server does not support websocket sessions."),
    ],
)
def test_connect_failures(server, make_hub, response, error):
    server.handshake_response = response
    hub = make_hub(server.url)
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as raised:
        hub.connect()
    assert str(raised.value) == (
        f'Failed to connect to event server at {server.url} with error: "{error}".'
    )
    assert hub.connected is False


def test_connect_to_nothing():
    hub = EventHub("http://127.0.0.1:1", "jane", "key")
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as raised:
        hub.connect()
    assert "Failed to connect to event server at http://127.0.0.1:1" in str(raised.value)
    # The hub counts as connecting now: events wait in the queue.
    assert hub.publish(Event("foo")) is True


def test_connect_twice(server, make_hub):
    hub = make_hub(server.url)
    hub.connect()
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as raised:
        hub.connect()
    assert str(raised.value) == "Already connected."


def test_connect_registers_subscribers_then_the_reply_subscriber(server, make_hub):
    hub = make_hub(server.url)
    identifier = hub.subscribe("topic=foo", print, subscriber={"applicationId": "app"})
    hub.connect()

    server.wait_for(lambda: len(server.events(SUBSCRIBE)) == 2)
    first, second = server.events(SUBSCRIBE)
    assert first["data"] == {
        "subscriber": {"applicationId": "app", "id": identifier},
        "subscription": "topic=foo",
    }
    assert second["data"] == {
        "subscriber": {"id": hub.id},
        "subscription": "topic=ftrack.meta.reply",
    }
    assert first["source"]["id"] == hub.id
    assert server.received[0].startswith("5:1+::")
    assert server.received[1].startswith("5:2+::")


def test_subscribe_while_connected_registers_at_once(server, make_hub):
    hub = make_hub(server.url)
    hub.connect()
    identifier = hub.subscribe("topic=later", print)
    server.wait_for(lambda: identifier in server.subscribed_ids())


def test_publish_reaches_subscribers_through_the_server_in_the_waiting_thread(server, make_hub):
    hub = make_hub(server.url)
    seen: List[Any] = []
    hub.subscribe("topic=foo", lambda event: seen.append((event, threading.current_thread())))
    hub.connect()

    event = Event("foo", data={"value": 1})
    assert hub.publish(event) is None

    wire = server.wait_for(lambda: server.events("foo"))[0]
    assert list(wire) == [
        "id",
        "data",
        "topic",
        "sent",
        "source",
        "target",
        "inReplyToEvent",
    ]
    assert wire["source"]["id"] == hub.id

    time.sleep(0.1)
    assert seen == [], "callbacks only run inside wait()"
    pump(hub, lambda: seen)
    received, thread = seen[0]
    assert received["id"] == event["id"]
    assert received["data"] == {"value": 1}
    assert thread is threading.current_thread()


def test_callback_results_are_replied_and_reach_on_reply(server, make_hub):
    hub = make_hub(server.url)
    responder = hub.subscribe("topic=question", lambda event: "answer")
    hub.connect()
    replies: List[Event] = []
    question = Event("question")
    hub.publish(question, on_reply=replies.append)

    pump(hub, lambda: replies)
    reply = replies[0]
    assert reply["topic"] == "ftrack.meta.reply"
    assert reply["data"] == "answer"
    assert reply["in_reply_to_event"] == question["id"]
    assert reply["target"] == f"id={hub.id}"
    assert reply["source"]["id"] == responder

    wire = server.events("ftrack.meta.reply")[0]
    assert wire["inReplyToEvent"] == question["id"]


def test_events_without_source_id_get_no_reply(server, make_hub):
    hub = make_hub(server.url)
    seen: List[Event] = []

    def answer(event):
        seen.append(event)
        return "answer"

    hub.subscribe("topic=from-server", answer)
    hub.connect()
    server.send_event({"topic": "from-server", "data": {}})
    pump(hub, lambda: seen)
    hub.wait(0.1)
    assert server.events("ftrack.meta.reply") == []


def test_publish_reply(server, make_hub):
    hub = make_hub(server.url)
    hub.connect()
    source_event = Event("question", source={"id": "other-hub"})
    hub.publish_reply(source_event, {"x": 1}, source={"id": "custom"})

    reply = server.wait_for(lambda: server.events("ftrack.meta.reply"))[0]
    assert reply["data"] == {"x": 1}
    assert reply["target"] == "id=other-hub"
    assert reply["inReplyToEvent"] == source_event["id"]
    assert reply["source"]["id"] == "custom"
    assert reply["source"]["user"] == {"username": "jane"}


def test_heartbeats_are_answered_while_a_callback_is_busy(server, make_hub):
    hub = make_hub(server.url)
    busy = threading.Event()
    release = threading.Event()

    def slow(event):
        busy.set()
        release.wait(5)

    hub.subscribe("topic=slow", slow)
    hub.connect()
    server.send_event({"topic": "slow", "source": {"id": "x"}})

    waiter = threading.Thread(target=hub.wait, args=(1.0,))
    waiter.start()
    try:
        assert busy.wait(5)
        server.send("2::")
        server.wait_for(lambda: "2:::" in server.received, timeout=2)
    finally:
        release.set()
        waiter.join()


def test_malformed_traffic_does_not_stop_the_hub(server, make_hub, caplog):
    hub = make_hub(server.url)
    seen: List[Any] = []
    hub.subscribe("topic=foo", lambda event: seen.append(event["data"]))
    hub.connect()

    with caplog.at_level(logging.DEBUG, logger="ftrack_api.event.hub"):
        server.send_event({"topic": "foo", "data": {"n": "extra"}, "extra": 1})
        server.send("5:::" + json.dumps({"name": "ftrack.event", "args": [{"topic": "foo"}] * 2}))
        server.send("8::")
        server.send("")
        server.send("7:::something broke")
        server.send("6:::999+[{}]")
        server.send_event({"topic": "foo", "data": {"n": "good"}})
        pump(hub, lambda: seen)

    assert seen == [{"n": "good"}]
    assert hub.connected
    assert "Failed to convert payload into event" in caplog.text
    assert "Event server reported error: something broke." in caplog.text


def test_failed_acknowledgements_are_logged(server, make_hub, caplog):
    hub = make_hub(server.url)
    hub.connect()
    server.acknowledgement = [{"success": False, "message": "refused"}]
    with caplog.at_level(logging.WARNING, logger="ftrack_api.event.hub"):
        hub.publish(Event("foo"))
        identifier = hub.subscribe("topic=bar", print)
        wait_until(lambda: "Server failed to subscribe" in caplog.text)
        wait_until(lambda: "Server responded with error while publishing" in caplog.text)
    assert f"Server failed to subscribe subscriber {identifier}: refused" in caplog.text
    assert "Error was: refused" in caplog.text


def test_disconnect_unsubscribes_everything(server, make_hub):
    hub = make_hub(server.url)
    identifier = hub.subscribe("topic=foo", print)
    hub.connect()
    hub.disconnect()

    assert hub.connected is False
    assert hub._subscribers == []
    server.wait_for(lambda: len(server.events(UNSUBSCRIBE)) == 2)
    unsubscribed = [event["data"]["subscriber"]["id"] for event in server.events(UNSUBSCRIBE)]
    assert unsubscribed == [identifier, hub.id]
    server.wait_for(lambda: not server.connections)
    with pytest.raises(ftrack_api.exception.EventHubConnectionError):
        hub.wait(0.01)
    with pytest.raises(ftrack_api.exception.EventHubConnectionError):
        hub.publish(Event("foo"))


def test_disconnect_without_unsubscribing_keeps_subscribers(server, make_hub):
    hub = make_hub(server.url)
    identifier = hub.subscribe("topic=foo", print)
    hub.connect()
    hub.disconnect(unsubscribe=False)

    assert hub.get_subscriber_by_identifier(identifier) is not None
    assert server.events(UNSUBSCRIBE) == []
    # No automatic reconnection after a deliberate disconnect.
    time.sleep(0.2)
    assert len(server.handshakes) == 1


def test_reconnect_keeps_subscribers(server, make_hub):
    hub = make_hub(server.url)
    identifier = hub.subscribe("topic=foo", print)
    hub.connect()
    hub.reconnect()

    assert hub.connected
    assert len(server.handshakes) == 2
    server.wait_for(lambda: server.subscribed_ids().count(identifier) == 2)


def test_reconnect_gives_up_after_the_attempts(make_hub):
    hub = make_hub("http://127.0.0.1:1")
    started = time.monotonic()
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as raised:
        hub.reconnect(attempts=3, delay=0.1)
    assert str(raised.value) == (
        "Failed to reconnect to event server at http://127.0.0.1:1 after 3 attempts."
    )
    assert 0.2 <= time.monotonic() - started < 2


def test_server_disconnect_packet_triggers_reconnection(server, make_hub):
    hub = make_hub(server.url)
    identifier = hub.subscribe("topic=foo", print)
    connected: List[Event] = []
    hub.subscribe("topic=ftrack.meta.connected", connected.append)
    hub.connect()
    server.wait_for(lambda: server.connections)

    server.send("0::")
    server.wait_for(lambda: len(server.handshakes) == 2)
    server.wait_for(lambda: server.subscribed_ids().count(identifier) == 2)
    pump(hub, lambda: len(connected) == 2)
    assert hub.connected


def test_events_published_while_the_server_is_away_are_sent_after_reconnecting(server, make_hub):
    hub = make_hub(server.url)
    identifier = hub.subscribe("topic=foo", print)
    hub.connect()
    server.wait_for(lambda: server.connections)

    server.handshake_response = (503, "restarting")
    server.drop_connections()
    wait_until(lambda: not hub.connected)
    assert hub.publish(Event("foo", data={"n": 1})) is True
    assert hub.publish(Event("foo", data={"n": 2})) is True
    assert server.events("foo") == []

    server.handshake_response = None
    server.wait_for(lambda: len(server.events("foo")) == 2)
    assert [event["data"]["n"] for event in server.events("foo")] == [1, 2]
    # The subscriber was registered again before the queued events went out.
    frames = server.received
    resubscribed = max(
        index
        for index, frame in enumerate(frames)
        if frame.startswith("5:") and identifier in frame and SUBSCRIBE in frame
    )
    first_event = next(index for index, frame in enumerate(frames) if '"topic": "foo"' in frame)
    assert resubscribed < first_event


def test_automatic_reconnection_gives_up_and_ends_wait(server, make_hub):
    hub = make_hub(server.url)
    hub._auto_reconnect_attempts = 3
    disconnected: List[Event] = []
    hub.subscribe("topic=ftrack.meta.disconnected", disconnected.append)
    hub.connect()
    server.wait_for(lambda: server.connections)

    server.handshake_response = (503, "gone")
    server.drop_connections()
    started = time.monotonic()
    hub.wait()  # returns once the hub gives up
    assert time.monotonic() - started < 5
    assert len(disconnected) == 1
    assert len(server.handshakes) == 1 + 3
    assert hub.connected is False


def test_silence_counts_as_a_lost_connection(server, make_hub, monkeypatch):
    monkeypatch.setattr(ftrack_api.event.hub, "SOCKET_TIMEOUT", 0.3)
    hub = make_hub(server.url)
    hub.connect()
    server.wait_for(lambda: len(server.handshakes) >= 2, timeout=5)


def test_heartbeats_keep_a_quiet_connection_alive(server, make_hub, monkeypatch):
    monkeypatch.setattr(ftrack_api.event.hub, "SOCKET_TIMEOUT", 0.5)
    server.heartbeat_interval = 0.1
    hub = make_hub(server.url)
    hub.connect()
    time.sleep(1.2)
    assert len(server.handshakes) == 1
    assert server.received.count("2:::") >= 5


def test_disconnect_stops_automatic_reconnection(server, make_hub):
    hub = make_hub(server.url)
    hub._auto_reconnect_delay = 0.2
    hub.connect()
    server.wait_for(lambda: server.connections)

    server.handshake_response = (503, "gone")
    server.drop_connections()
    server.wait_for(lambda: len(server.handshakes) >= 2)
    with pytest.raises(ftrack_api.exception.EventHubConnectionError):
        hub.disconnect()
    attempts = len(server.handshakes)
    time.sleep(0.6)
    assert len(server.handshakes) == attempts
    assert hub.connected is False


def test_publish_and_subscribe_from_many_threads(server, make_hub):
    hub = make_hub(server.url)
    seen: List[int] = []
    hub.subscribe("topic=foo", lambda event: seen.append(event["data"]["n"]))
    hub.connect()

    def publish_range(start: int) -> None:
        for n in range(start, start + 50):
            hub.publish(Event("foo", data={"n": n}))
        hub.subscribe(f"topic=thread-{start}", print)

    threads = [
        threading.Thread(target=publish_range, args=(start,)) for start in range(0, 400, 50)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    pump(hub, lambda: len(seen) >= 400)
    hub.wait(0.1)
    assert sorted(seen) == list(range(400))
    server.wait_for(lambda: len(server.events(SUBSCRIBE)) == 2 + 8)
    identifiers = [frame.split(":", 2)[1] for frame in server.received if frame.startswith("5:")]
    assert len(set(identifiers)) == len(identifiers), "packet identifiers are unique"
