"""The event hub: publish events to, and receive events from, an ftrack event server.

An :class:`EventHub` keeps one websocket to the server's socket.io 0.9
endpoint. A background thread reads the socket: it answers heartbeats at once,
runs acknowledgement callbacks and puts received events on a queue. Subscriber
callbacks run in whichever thread calls :meth:`EventHub.wait`, never on the
socket thread, so a slow callback cannot stall the connection.

Events published while the hub is (re)connecting are queued and sent once the
connection is up again; after an unexpected loss the hub reconnects on its own,
registers every subscriber again and then sends what was queued.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
import logging
import queue
import socket
import threading
import time
import urllib.parse
import uuid
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

import requests
import websocket

import ftrack_api.event.base
import ftrack_api.event.expression
import ftrack_api.event.subscriber
import ftrack_api.exception
from ftrack_api.event import _socketio
from ftrack_api.logging import LazyLogMessage as L

#: Scheme, host name and port of the event server.
ServerDetails = collections.namedtuple("ServerDetails", ["scheme", "hostname", "port"])

#: A socket.io session granted by the server's handshake.
SocketIoSession = collections.namedtuple(
    "SocketIoSession", ["id", "heartbeatTimeout", "supportedTransports"]
)

#: Seconds to wait for the handshake, and for any frame on an open socket. The
#: server sends heartbeats well within this, so silence this long means the
#: connection is gone.
SOCKET_TIMEOUT = 60

#: Seconds :meth:`EventHub.wait` blocks on the queue between checks of its duration.
WAIT_POLL_INTERVAL = 0.5

REPLY_TOPIC = "ftrack.meta.reply"
SUBSCRIBE_TOPIC = "ftrack.meta.subscribe"
UNSUBSCRIBE_TOPIC = "ftrack.meta.unsubscribe"
CONNECTED_TOPIC = "ftrack.meta.connected"
DISCONNECTED_TOPIC = "ftrack.meta.disconnected"

_NOT_CONNECTED_FOR_WAIT = (
    "Event hub does not have a connection to the event server and will therefore only be "
    "able to receive syncronous events.Please see "
    "http://ftrack-python-api.rtd.ftrack.com/en/stable/release/migration.html"
    "#default-behavior-for-connecting-to-event-hub for further information."
)

#: What reading from or writing to a broken websocket raises.
_SOCKET_ERRORS = (websocket.WebSocketException, OSError, AttributeError)


@functools.cache
def _host_name() -> str:
    """The name of this machine, as published in event sources."""
    return socket.gethostname()


class EventHub:
    """A connection to the ftrack event server at *server_url*.

    *api_user* and *api_key* authenticate the handshake; *headers* and
    *cookies* are sent with the handshake and the websocket request (a
    session's custom headers, for instance).
    """

    def __init__(self, server_url, api_user, api_key, headers=None, cookies=None):
        super().__init__()
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")
        self.id = uuid.uuid4().hex
        self._server_url = server_url
        self._api_user = api_user
        self._api_key = api_key
        self._headers = dict(headers or {})
        self._cookies = dict(cookies or {})

        url = urllib.parse.urlparse(server_url)
        self.server = ServerDetails(url.scheme, url.hostname, url.port)

        self._connection = None
        self._connection_initialised = False
        self._intentional_disconnect = False
        self._processor_thread = None
        self._lock = threading.RLock()
        self._wait_timeout = 4

        self._auto_reconnect_attempts = 30
        self._auto_reconnect_delay = 10
        # Set by disconnect() to stop a reconnection loop sleeping between attempts.
        self._stop_reconnecting = threading.Event()

        self._subscribers = []
        self._expression_parser = ftrack_api.event.expression.Parser()
        self._reply_callbacks = {}
        self._event_queue = queue.Queue()
        self._event_send_queue = queue.Queue()

        self._event_namespace = "ftrack.event"
        self._code_name_mapping = {**_socketio.PACKET_NAMES, **_socketio.PACKET_CODES}
        self._unique_packet_id = 0
        self._packet_callbacks = {}

    # -- Where the server is -------------------------------------------------

    def get_server_url(self) -> str:
        """Return the server URL reduced to scheme, host and port."""
        return f"{self.server.scheme}://{self.get_network_location()}"

    def get_network_location(self) -> str:
        """Return ``host[:port]`` of the server."""
        host = self.server.hostname
        if host and ":" in host:
            host = f"[{host}]"
        if self.server.port is None:
            return f"{host}"
        return f"{host}:{self.server.port}"

    @property
    def secure(self) -> bool:
        """Whether the server is reached over TLS."""
        return self.server.scheme == "https"

    # -- Connection ----------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the websocket to the server is open."""
        connection = self._connection
        return connection is not None and connection.connected

    def init_connection(self) -> None:
        """Mark the hub as connecting: from now on asynchronous publishes are queued
        until the connection is up, instead of failing.
        """
        self._connection_initialised = True
        self.logger.debug("Connection initialised.")

    def connect(self) -> None:
        """Connect to the server, register every subscriber and send queued events.

        Raise :exc:`~ftrack_api.exception.EventHubConnectionError` when already
        connected or when the server cannot be reached.
        """
        if self.connected:
            raise ftrack_api.exception.EventHubConnectionError("Already connected.")

        self.init_connection()
        try:
            session = self._get_socket_io_session()
            connection = self._open_websocket(session)
        except Exception as error:
            raise ftrack_api.exception.EventHubConnectionError(
                'Failed to connect to event server at {server_url} with error: "{error}".',
                details={"server_url": self.get_server_url(), "error": str(error)},
            )

        with self._lock:
            if self.connected:
                # Another thread connected meanwhile; keep its connection.
                connection.shutdown()
                raise ftrack_api.exception.EventHubConnectionError("Already connected.")
            self._connection = connection
            self._intentional_disconnect = False
            self._packet_callbacks.clear()
            self._processor_thread = threading.Thread(
                target=self._read_packets,
                args=(connection,),
                name=f"ftrack-event-hub-{self.id[:8]}",
                daemon=True,
            )
            self._processor_thread.start()

            if self.get_subscriber_by_identifier(self.id) is None:
                self._add_subscriber(
                    f"topic={REPLY_TOPIC}", self._handle_reply, subscriber={"id": self.id}
                )
            for subscriber in list(self._subscribers):
                self._notify_server_about_subscriber(subscriber)
            self._send_queued_events()

    def disconnect(self, unsubscribe=True, reconnect=False) -> None:
        """Close the connection to the server.

        With *unsubscribe*, every subscriber is first unsubscribed (and removed
        from this hub). With *reconnect*, asynchronous publishes keep being
        queued for a coming :meth:`connect`; otherwise they fail until then.
        Also stops an automatic reconnection in progress. Raise
        :exc:`~ftrack_api.exception.EventHubConnectionError` when not connected.
        """
        self._connection_initialised = reconnect
        self._intentional_disconnect = True
        self._stop_reconnecting.set()
        if not self.connected:
            raise ftrack_api.exception.EventHubConnectionError("Not currently connected.")

        if unsubscribe:
            for subscriber in list(self._subscribers):
                with contextlib.suppress(ftrack_api.exception.NotFoundError):
                    self.unsubscribe(subscriber.metadata["id"])

        # Close politely: the socket thread ends when the server answers the close
        # frame. A server that does not answer in time is cut off.
        connection = self._connection
        thread = self._processor_thread
        with contextlib.suppress(*_SOCKET_ERRORS):
            connection.send_close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(self._wait_timeout)
            if thread.is_alive():
                connection.abort()
                thread.join(self._wait_timeout)
        connection.shutdown()
        self.logger.debug("Disconnected from event server.")

    def reconnect(self, attempts=10, delay=5) -> None:
        """Connect again, trying up to *attempts* times *delay* seconds apart.

        Subscribers and queued events are kept. Raise
        :exc:`~ftrack_api.exception.EventHubConnectionError` when every attempt
        fails or :meth:`disconnect` interrupts the attempts.
        """
        if self.connected:
            self.disconnect(unsubscribe=False, reconnect=True)
        self._intentional_disconnect = False
        self._stop_reconnecting.clear()

        for attempt in range(attempts):
            if self._intentional_disconnect:
                break
            if self.connected:
                return
            self.logger.debug(L("Reconnect attempt {0} of {1}", attempt, attempts))
            try:
                self.connect()
            except ftrack_api.exception.EventHubConnectionError as error:
                self.logger.debug(L("Reconnect attempt failed: {0}", error))
            else:
                self.logger.debug("Reconnected successfully.")
                return
            if attempt + 1 < attempts and self._stop_reconnecting.wait(delay):
                break

        raise ftrack_api.exception.EventHubConnectionError(
            f"Failed to reconnect to event server at {self.get_server_url()} "
            f"after {attempts} attempts."
        )

    def _get_socket_io_session(self) -> SocketIoSession:
        """Ask the server for a socket.io session (the handshake)."""
        headers = {"ftrack-user": self._api_user, "ftrack-api-key": self._api_key}
        headers.update(self._headers)
        try:
            response = requests.get(
                self.get_server_url() + _socketio.HANDSHAKE_PATH,
                headers=headers,
                cookies=self._cookies,
                timeout=SOCKET_TIMEOUT,
            )
        except requests.exceptions.RequestException as error:
            raise ftrack_api.exception.EventHubConnectionError(
                f"Failed to connect to server: {error}."
            )
        if response.status_code != 200:
            raise ftrack_api.exception.EventHubConnectionError(
                f"Received unexpected status code {response.status_code}."
            )

        handshake = _socketio.parse_handshake(response.text)
        if "websocket" not in handshake.transports:
            raise ftrack_api.exception.EventHubConnectionError(
                "Server does not support websocket sessions."
            )
        return SocketIoSession(
            handshake.session_id, handshake.heartbeat_timeout, handshake.transports
        )

    def _open_websocket(self, session: SocketIoSession) -> websocket.WebSocket:
        """Open the websocket of *session*; it carries no credentials, only the sid."""
        scheme = "wss" if self.secure else "ws"
        path = _socketio.WEBSOCKET_PATH.format(session_id=session.id)
        connection = websocket.WebSocket(enable_multithread=True, skip_utf8_validation=True)
        connection.connect(
            f"{scheme}://{self.get_network_location()}{path}",
            header=[f"{name}: {value}" for name, value in self._headers.items()],
            cookie="; ".join(f"{name}={value}" for name, value in self._cookies.items()) or None,
            timeout=SOCKET_TIMEOUT,
        )
        return connection

    # -- The socket thread ---------------------------------------------------

    def _read_packets(self, connection: websocket.WebSocket) -> None:
        """Handle packets from *connection* until it closes (socket thread)."""
        while connection is self._connection:
            try:
                packet = self._read_packet(connection)
            except ftrack_api.exception.EventHubPacketError as error:
                self.logger.warning(L("Ignoring packet: {0}", error))
                continue
            except _SOCKET_ERRORS as error:
                self.logger.debug(L("Connection to event server lost: {0!r}", error))
                break
            if packet is None:
                break
            try:
                self._handle_packet(*packet)
            except ftrack_api.exception.EventHubConnectionError as error:
                self.logger.debug(L("Could not answer packet {0}: {1}", packet, error))
            except Exception:
                self.logger.exception(L("Failed to handle packet {0}.", packet))
        self._on_connection_lost(connection)

    def _read_packet(self, connection: websocket.WebSocket) -> Optional[_socketio.Packet]:
        """Return the next packet from *connection*, or None once it is closed."""
        opcode, data = connection.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return None
        frame = data.decode("utf-8") if isinstance(data, bytes) else data
        self.logger.debug(L("Received packet: {0}", frame))
        return _socketio.decode_packet(frame)

    def _receive_packet(self) -> Optional[_socketio.Packet]:
        """Return the next packet from the current connection (None once closed)."""
        return self._read_packet(self._connection)

    def _on_connection_lost(self, connection: websocket.WebSocket) -> None:
        """Reconnect after *connection* went away, unless it was closed on purpose."""
        with self._lock:
            connection.shutdown()
            if connection is not self._connection or self._intentional_disconnect:
                return  # Closed on purpose, or already replaced by a newer connection.

        self.logger.debug("Disconnected unexpectedly. Attempting to reconnect.")
        try:
            self.reconnect(
                attempts=self._auto_reconnect_attempts, delay=self._auto_reconnect_delay
            )
        except ftrack_api.exception.EventHubConnectionError:
            if self._intentional_disconnect:
                return
            self.logger.warning(
                L(
                    "Failed to reconnect automatically to event server at {0}.",
                    self.get_server_url(),
                )
            )
            self._event_queue.put(ftrack_api.event.base.Event(topic=DISCONNECTED_TOPIC))

    def _handle_packet(self, code, packet_identifier, path, data) -> None:
        """Act on one received packet (socket thread)."""
        name = self._code_name_mapping.get(code, code)
        if name == "heartbeat":
            self._send_packet("heartbeat")
        elif name == "event":
            self._handle_event_packet(data)
        elif name == "acknowledge":
            identifier, arguments = _socketio.split_acknowledgement(data)
            values = self._decode(arguments) if arguments else []
            if not isinstance(values, list):
                values = [values]
            self._acknowledge_packet(identifier, *values)
        elif name == "connect":
            self.logger.debug("Connected to event server.")
            self._event_queue.put(ftrack_api.event.base.Event(topic=CONNECTED_TOPIC))
        elif name == "disconnect":
            self.logger.debug("Server closed the session.")
            connection = self._connection
            if connection is not None:
                connection.abort()
        elif name == "error":
            self.logger.error(L("Event server reported error: {0}.", data))
        else:
            self.logger.debug(L("Ignoring {0} packet: {1}", name, data))

    def _handle_event_packet(self, data: str) -> None:
        """Queue the event carried by an event packet for :meth:`wait`."""
        payload = self._decode(data)
        arguments = payload.get("args") if isinstance(payload, Mapping) else None
        if not isinstance(arguments, list) or len(arguments) != 1:
            self.logger.debug(L("Ignoring event packet without exactly one event: {0}", data))
            return
        try:
            event = ftrack_api.event.base.Event(**arguments[0])
        except Exception:
            self.logger.exception(L("Failed to convert payload into event: {0}", arguments[0]))
            return
        self._event_queue.put(event)

    # -- Packets -------------------------------------------------------------

    def _send_packet(self, code, data="", callback=None) -> None:
        """Send one packet; *callback* receives the server's acknowledgement.

        *code* is a packet name (``'event'``) or type code (``'5'``). Raise
        :exc:`~ftrack_api.exception.EventHubConnectionError` when the packet
        cannot be written.
        """
        code = _socketio.PACKET_CODES.get(code, code)
        identifier = ""
        if callback is not None:
            identifier = self._add_packet_callback(callback)
        packet = _socketio.encode_packet(
            code, identifier + _socketio.ACK_REQUESTED if identifier else "", "", data
        )

        connection = self._connection
        try:
            if connection is None or not connection.connected:
                raise websocket.WebSocketConnectionClosedException("not connected")
            connection.send(packet)
        except _SOCKET_ERRORS as error:
            if identifier:
                self._pop_packet_callback(identifier)
            raise ftrack_api.exception.EventHubConnectionError(
                f"Failed to send packet to event server: {error}."
            )
        self.logger.debug(L("Sent packet: {0}", packet))

    def _emit_event_packet(self, namespace, event, callback) -> None:
        """Send *event* as a socket.io event named *namespace*."""
        data = self._encode({"name": namespace, "args": [event]})
        self._send_packet("event", data=data, callback=callback)

    def _add_packet_callback(self, callback) -> str:
        """Remember *callback* for an acknowledgement; return the packet identifier."""
        with self._lock:
            self._unique_packet_id += 1
            identifier = str(self._unique_packet_id)
            self._packet_callbacks[identifier] = callback
        return identifier

    def _pop_packet_callback(self, packet_identifier) -> Optional[Callable]:
        """Forget and return the callback waiting for *packet_identifier*."""
        with self._lock:
            return self._packet_callbacks.pop(packet_identifier, None)

    def _acknowledge_packet(self, packet_identifier, *args) -> None:
        """Call the callback waiting for *packet_identifier* with *args*."""
        callback = self._pop_packet_callback(packet_identifier)
        if callback is None:
            self.logger.debug(L("No callback waiting for packet {0}.", packet_identifier))
            return
        callback(*args)

    def _encode(self, data) -> str:
        """Return *data* as JSON text, with events in their wire form."""
        return json.dumps(data, default=self._encode_object_hook, ensure_ascii=False)

    def _encode_object_hook(self, item) -> Dict[str, Any]:
        """Return the JSON form of *item*: events spell ``inReplyToEvent`` in camelCase."""
        if isinstance(item, ftrack_api.event.base.Event):
            encoded = dict(item)
            if "in_reply_to_event" in encoded:
                encoded["inReplyToEvent"] = encoded.pop("in_reply_to_event")
            return encoded
        raise TypeError(f"{item!r} is not JSON serializable")

    def _decode(self, string) -> Any:
        """Return the value of JSON *string*, with events' keys in Python spelling."""
        return json.loads(string, object_hook=self._decode_object_hook)

    def _decode_object_hook(self, item) -> Dict[str, Any]:
        """Rename a decoded object's ``inReplyToEvent`` to ``in_reply_to_event``."""
        if "inReplyToEvent" in item:
            item["in_reply_to_event"] = item.pop("inReplyToEvent")
        return item

    # -- Subscribers ---------------------------------------------------------

    def subscribe(self, subscription, callback, subscriber=None, priority=100) -> str:
        """Call *callback* with every event matching *subscription*; return its identifier.

        *subscriber* is metadata describing the subscriber to other hubs (and
        what targeted events are matched against); it gets an ``id`` unless it
        has one. Subscribers with a lower *priority* value are called first.
        Raise :exc:`~ftrack_api.exception.NotUniqueError` when the id is taken.
        """
        with self._lock:
            added = self._add_subscriber(subscription, callback, subscriber, priority)
            self._notify_server_about_subscriber(added)
        return added.metadata["id"]

    @contextlib.contextmanager
    def subscription(self, subscription, callback, subscriber=None, priority=100) -> Iterator[str]:
        """Subscribe for the duration of a ``with`` block; yield the identifier."""
        identifier = self.subscribe(subscription, callback, subscriber, priority)
        try:
            yield identifier
        finally:
            if self.get_subscriber_by_identifier(identifier) is not None:
                self.unsubscribe(identifier)

    def unsubscribe(self, subscriber_identifier) -> None:
        """Remove the subscriber with *subscriber_identifier*.

        Raise :exc:`~ftrack_api.exception.NotFoundError` when there is none.
        """
        with self._lock:
            subscriber = self.get_subscriber_by_identifier(subscriber_identifier)
            if subscriber is None:
                raise ftrack_api.exception.NotFoundError(
                    f"Cannot unsubscribe missing subscriber with identifier "
                    f"{subscriber_identifier}"
                )
            self._subscribers.remove(subscriber)

            if not self.connected:
                self.logger.debug(
                    L(
                        "Failed to notify server to unsubscribe subscriber {0} as server "
                        "not currently reachable.",
                        subscriber_identifier,
                    )
                )
                return
            event = ftrack_api.event.base.Event(
                topic=UNSUBSCRIBE_TOPIC, data={"subscriber": subscriber.metadata}
            )
            self._prepare_event(event)
            self._send_event(event, functools.partial(self._on_unsubscribed, subscriber))

    def get_subscriber_by_identifier(self, identifier):
        """Return the subscriber with *identifier*, or None."""
        for subscriber in list(self._subscribers):
            if subscriber.metadata["id"] == identifier:
                return subscriber
        return None

    def _add_subscriber(self, subscription, callback, subscriber=None, priority=100):
        """Add and return a subscriber without telling the server."""
        metadata = dict(subscriber or {})
        metadata.setdefault("id", uuid.uuid4().hex)
        with self._lock:
            if self.get_subscriber_by_identifier(metadata["id"]) is not None:
                raise ftrack_api.exception.NotUniqueError(
                    f"Subscriber with identifier {metadata['id']} already exists."
                )
            added = ftrack_api.event.subscriber.Subscriber(
                subscription=subscription, callback=callback, metadata=metadata, priority=priority
            )
            self._subscribers.append(added)
        return added

    def _notify_server_about_subscriber(self, subscriber) -> None:
        """Register *subscriber* with the server, when connected.

        When not connected there is nothing to do: every subscriber is
        registered as soon as a connection is made.
        """
        if not self.connected:
            self.logger.debug(
                L(
                    "Failed to notify server about new subscriber {0} as server not "
                    "currently reachable.",
                    subscriber.metadata["id"],
                )
            )
            return
        event = ftrack_api.event.base.Event(
            topic=SUBSCRIBE_TOPIC,
            data={"subscriber": subscriber.metadata, "subscription": str(subscriber.subscription)},
        )
        self._prepare_event(event)
        self._send_event(event, functools.partial(self._on_subscribed, subscriber))

    def _on_subscribed(self, subscriber, response) -> None:
        """Warn when the server refused to register *subscriber*."""
        if not _succeeded(response):
            self.logger.warning(
                L(
                    "Server failed to subscribe subscriber {0}: {1}",
                    subscriber.metadata["id"],
                    _failure_message(response),
                )
            )

    def _on_unsubscribed(self, subscriber, response) -> None:
        """Warn when the server refused to unregister *subscriber*."""
        if not _succeeded(response):
            self.logger.warning(
                L(
                    "Server failed to unsubscribe subscriber {0}: {1}",
                    subscriber.metadata["id"],
                    _failure_message(response),
                )
            )

    # -- Publishing ----------------------------------------------------------

    def publish(self, event, synchronous=False, on_reply=None, on_error="raise"):
        """Publish *event*.

        Synchronously, only this hub's subscribers are called and their results
        returned as a list. Otherwise the event goes to the server, which sends
        it to every interested hub (this one included); *on_reply* is then
        called with each reply. While the hub is connecting the event is queued
        (and True returned). When the hub is not connected at all, raise
        :exc:`~ftrack_api.exception.EventHubConnectionError`, or return None if
        *on_error* is ``'ignore'``.
        """
        try:
            return self._publish(event, synchronous=synchronous, on_reply=on_reply)
        except ftrack_api.exception.EventHubConnectionError:
            if on_error == "ignore":
                self.logger.debug(L("Ignoring failure to publish {0}.", event))
                return None
            raise

    def publish_reply(self, source_event, data, source=None) -> None:
        """Publish *data* as a reply to *source_event*, back to the hub that sent it."""
        reply_event = ftrack_api.event.base.Event(topic=REPLY_TOPIC, data=data)
        self._prepare_reply_event(reply_event, source_event, source=source)
        self.publish(reply_event)

    def _publish(self, event, synchronous=False, callback=None, on_reply=None):
        """Publish *event*; *callback* receives the server's acknowledgement."""
        self._prepare_event(event)
        if synchronous:
            return self._handle(event, synchronous=True)

        if on_reply is not None:
            self._reply_callbacks[event["id"]] = on_reply
        with self._lock:
            if self._send_event(event, callback):
                return None
            if not self._connection_initialised:
                self._reply_callbacks.pop(event["id"], None)
                raise ftrack_api.exception.EventHubConnectionError(
                    "Cannot publish event asynchronously as not connected to server."
                )
            self.logger.debug("Connection is still initialising, adding message to queue.")
            self._event_send_queue.put((event, callback))
            return True

    def _send_event(self, event, callback=None) -> bool:
        """Send *event* now if connected; return whether it was written."""
        if callback is None:
            callback = functools.partial(self._on_published, event)
        with self._lock:
            if not self.connected:
                return False
            try:
                self._emit_event_packet(self._event_namespace, event, callback)
            except ftrack_api.exception.EventHubConnectionError as error:
                self.logger.debug(L("Could not send event {0}: {1}", event["id"], error))
                return False
        return True

    def _send_queued_events(self) -> None:
        """Send the events queued while not connected, in order."""
        pending: List[Tuple[Any, Optional[Callable]]] = []
        while True:
            try:
                pending.append(self._event_send_queue.get_nowait())
            except queue.Empty:
                break
        for index, (event, callback) in enumerate(pending):
            try:
                sent = self._send_event(event, callback)
            except Exception:
                self.logger.exception(L("Dropping queued event that cannot be sent: {0}", event))
                continue
            if not sent:
                for item in pending[index:]:
                    self._event_send_queue.put(item)
                return

    def _prepare_event(self, event) -> None:
        """Fill in the defaults of *event*'s source: this hub, user and host."""
        source = event.get("source")
        if source is None:
            source = event["source"] = {}
        source.setdefault("id", self.id)
        source.setdefault("user", {"username": self._api_user})
        source.setdefault("host", _host_name())

    def _prepare_reply_event(self, event, source_event, source=None) -> None:
        """Address *event* as a reply to *source_event* from *source*."""
        event["source"] = dict(source) if source else {}
        event["in_reply_to_event"] = source_event["id"]
        event["target"] = f"id={source_event['source']['id']}"

    def _on_published(self, event, response) -> None:
        """Log an error when the server refused *event*."""
        if not _succeeded(response):
            self.logger.error(
                L(
                    "Server responded with error while publishing event {0}. Error was: {1}",
                    event,
                    _failure_message(response),
                )
            )

    # -- Receiving -----------------------------------------------------------

    def wait(self, duration=None) -> None:
        """Call subscribers for received events until *duration* seconds have passed.

        Without *duration*, run until the connection is lost for good. Raise
        :exc:`~ftrack_api.exception.EventHubConnectionError` when the hub is
        neither connected nor connecting.
        """
        if not self._connection_initialised:
            raise ftrack_api.exception.EventHubConnectionError(_NOT_CONNECTED_FOR_WAIT)

        deadline = None if duration is None else time.monotonic() + duration
        while True:
            if deadline is None:
                timeout = WAIT_POLL_INTERVAL
            else:
                timeout = min(max(deadline - time.monotonic(), 0), WAIT_POLL_INTERVAL)
            try:
                event = self._event_queue.get(timeout=timeout)
            except queue.Empty:
                pass
            else:
                self._handle(event)
                if event["topic"] == DISCONNECTED_TOPIC:
                    return
            if deadline is not None and time.monotonic() >= deadline:
                return

    def _handle(self, event, synchronous=False):
        """Call the subscribers interested in *event*, in priority order.

        Return their results. A callback that raises is logged and skipped;
        one that calls ``event.stop()`` is the last called. For an event
        received from the server, a callback's non-None result is sent back
        as a reply.
        """
        target = event.get("target")
        target_expression = None
        if target:
            try:
                target_expression = self._expression_parser.parse(target)
            except ftrack_api.exception.ParseError:
                self.logger.exception(
                    L(
                        "Cannot handle event as failed to parse event target information: {0}",
                        event,
                    )
                )
                return None

        with self._lock:
            subscribers = sorted(self._subscribers, key=_priority)
        results = []
        for subscriber in subscribers:
            if not subscriber.interested_in(event):
                continue
            if target_expression is not None and not target_expression.match(subscriber.metadata):
                continue

            try:
                response = subscriber.callback(event)
            except Exception:
                self.logger.exception(
                    L("Error calling subscriber {0} for event {1}.", subscriber, event)
                )
            else:
                results.append(response)
                if not synchronous and response is not None:
                    self._reply_automatically(event, response, subscriber)

            if isinstance(event, ftrack_api.event.base.Event) and event.is_stopped():
                self.logger.debug(
                    L(
                        "Subscriber {0} stopped event {1}. Will not process subsequent "
                        "subscriber callbacks for this event.",
                        subscriber,
                        event,
                    )
                )
                break
        return results

    def _reply_automatically(self, event, response, subscriber) -> None:
        """Send *response* of *subscriber* back to the publisher of *event*."""
        source = event.get("source")
        if not isinstance(source, Mapping) or not source.get("id"):
            self.logger.debug(
                L("Not replying to event {0}: it has no source id to reply to.", event["id"])
            )
            return
        try:
            self.publish_reply(event, data=response, source=subscriber.metadata)
        except Exception:
            self.logger.exception(
                L(
                    "Error publishing response {0} from subscriber {1} for event {2}.",
                    response,
                    subscriber,
                    event,
                )
            )

    def _handle_reply(self, event) -> None:
        """Pass a reply to the ``on_reply`` callback of the event it answers."""
        callback = self._reply_callbacks.get(event["in_reply_to_event"])
        if callback is not None:
            callback(event)


def _priority(subscriber) -> Any:
    return subscriber.priority


def _succeeded(response) -> bool:
    """Whether an acknowledgement reports success."""
    return isinstance(response, Mapping) and bool(response.get("success"))


def _failure_message(response) -> Any:
    """The message of a failed acknowledgement."""
    if isinstance(response, Mapping):
        return response.get("message")
    return response
