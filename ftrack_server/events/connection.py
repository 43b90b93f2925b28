"""One client's websocket: its subscribers, outgoing frames, heartbeats and liveness.

Everything here runs on the event loop that serves the websocket. Frames to the
client go through a bounded queue drained by one writer task, so routing never
waits on a slow client; a client that falls ``max_queued`` frames behind is
disconnected (it reconnects and resubscribes) rather than buffered without limit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict

from starlette.websockets import WebSocket, WebSocketState

from ftrack_server.events import socketio
from ftrack_server.events.event import EventError
from ftrack_server.events.expression import Expression, ExpressionError

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.events.hub import EventRouter

logger = logging.getLogger(__name__)

#: Seconds allowed for the closing handshake with a client that may have stopped reading.
CLOSE_GRACE = 5.0


@dataclass(frozen=True)
class Subscriber:
    """A subscriber a client registered: its metadata and compiled subscription."""

    id: str
    metadata: Dict[str, Any]
    subscription: str
    expression: Expression


class Connection:
    """A connected client hub (one websocket), bound to the user its sid stands for."""

    def __init__(
        self, router: EventRouter, websocket: WebSocket, sid: str, user: Dict[str, Any]
    ) -> None:
        self.router = router
        self.websocket = websocket
        self.sid = sid
        self.user = user
        self.subscribers: Dict[str, Subscriber] = {}
        self._outgoing: asyncio.Queue = asyncio.Queue(maxsize=max(1, router.max_queued))
        self._closing = False
        self._stopped = asyncio.Event()

    def __repr__(self) -> str:
        return f"<Connection {self.sid[:8]} of {self.user.get('username')!r}>"

    # -- subscribers ---------------------------------------------------------------------

    def subscribe(
        self, metadata: Dict[str, Any], subscription: str, expression: Expression
    ) -> None:
        """Register (or replace) a subscriber; the same id twice is one subscriber."""
        subscriber_id = str(metadata["id"])
        self.subscribers[subscriber_id] = Subscriber(
            subscriber_id, metadata, subscription, expression
        )

    def unsubscribe(self, subscriber_id: str) -> None:
        self.subscribers.pop(subscriber_id, None)

    def wants(self, candidate: Dict[str, Any], target: Expression) -> bool:
        """Whether some subscriber matches the event and is selected by its target."""
        return any(
            subscriber.expression.match(candidate) and target.match(subscriber.metadata)
            for subscriber in self.subscribers.values()
        )

    # -- sending ------------------------------------------------------------------------

    def send(self, frame: str) -> None:
        """Queue ``frame`` for the client; disconnect a client that is too far behind."""
        if self._closing:
            return
        try:
            self._outgoing.put_nowait(frame)
        except asyncio.QueueFull:
            logger.warning(
                "%r fell %d frames behind; disconnecting it.", self, self._outgoing.qsize()
            )
            self.close()

    def close(self) -> None:
        """Stop sending and end the connection soon; pending frames are discarded."""
        if self._closing:
            return
        self._closing = True
        while not self._outgoing.empty():
            self._outgoing.get_nowait()
        self._stopped.set()

    # -- lifetime -------------------------------------------------------------------------

    async def serve(self) -> None:
        """Serve the accepted websocket until the client leaves or is dropped.

        The websocket itself is closed afterwards by :meth:`shutdown`.
        """
        self.send(socketio.CONNECT_FRAME)
        reader = asyncio.ensure_future(self._read())
        writer = asyncio.ensure_future(self._write())
        heartbeat = asyncio.ensure_future(self._beat())
        stopped = asyncio.ensure_future(self._stopped.wait())
        tasks = (reader, writer, heartbeat, stopped)
        try:
            await asyncio.wait({reader, writer, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._closing = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def shutdown(self) -> None:
        """Close the websocket, giving a client that stopped reading a short grace."""
        if self.websocket.application_state != WebSocketState.CONNECTED:
            return
        try:
            await asyncio.wait_for(self.websocket.close(), CLOSE_GRACE)
        except Exception as error:  # already closed, or the client stopped reading
            logger.debug("%r: close failed (%s).", self, error)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.router.heartbeat_interval)
            self.send(socketio.HEARTBEAT_FRAME)

    async def _write(self) -> None:
        while True:
            frame = await self._outgoing.get()
            try:
                await self.websocket.send_text(frame)
            except Exception as error:  # the client went away mid-send
                logger.debug("%r: send failed (%s); closing.", self, error)
                return

    async def _read(self) -> None:
        while True:
            try:
                message = await asyncio.wait_for(
                    self.websocket.receive(), self.router.heartbeat_timeout
                )
            except asyncio.TimeoutError:
                logger.info("%r was silent for its heartbeat timeout; closing.", self)
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                logger.warning("%r sent a binary frame; ignoring it.", self)
                continue
            if not self.receive(text):
                return

    # -- receiving ------------------------------------------------------------------------

    def receive(self, frame: str) -> bool:
        """Handle one frame from the client; return False when it asked to disconnect.

        Malformed input is logged and skipped: it never ends the connection.
        """
        try:
            packet = socketio.decode(frame)
        except socketio.PacketError as error:
            logger.warning("%r sent a malformed frame: %s", self, error)
            return True
        if packet.type == socketio.DISCONNECT:
            return False
        if packet.type == socketio.EVENT:
            self._receive_event(packet)
        elif packet.type == socketio.ERROR:
            logger.info("%r reported an error: %s", self, packet.data[:200])
        elif packet.type not in (
            socketio.CONNECT,
            socketio.HEARTBEAT,
            socketio.MESSAGE,
            socketio.JSON,
            socketio.ACK,
        ):
            logger.debug("%r sent unhandled packet type %d.", self, packet.type)
        return True

    def _receive_event(self, packet: socketio.Packet) -> None:
        try:
            self.router.handle_event(self, socketio.event_payload(packet))
            result: Dict[str, Any] = {"success": True}
        except (socketio.PacketError, EventError, ExpressionError) as error:
            logger.warning("%r sent an event that was refused: %s", self, error)
            result = {"success": False, "message": str(error)}
        except Exception:  # routing must survive anything one client sends
            logger.exception("%r: error while handling an event.", self)
            result = {"success": False, "message": "The server failed to handle the event."}
        if packet.wants_ack:
            self.send(socketio.ack_frame(packet.id, result))
