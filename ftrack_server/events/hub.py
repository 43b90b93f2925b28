"""The server side of the event hub: connections, subscribers and routing (protocol.md 7).

Every connection and subscriber is touched only on the event loop serving the
websockets. Other threads (the API's workers) hand events over with
:meth:`EventRouter.publish_threadsafe`, which schedules the routing on that loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from starlette.websockets import WebSocket

from ftrack_server.events import socketio, updates
from ftrack_server.events.connection import Connection
from ftrack_server.events.event import (
    SUBSCRIBE_TOPIC,
    UNSUBSCRIBE_TOPIC,
    Event,
    normalise,
    subscribe_request,
    subscription_candidate,
    unsubscribe_request,
)
from ftrack_server.events.expression import compile_expression
from ftrack_server.events.sessions import SessionStore

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.context import RequestContext

logger = logging.getLogger(__name__)


class EventRouter:
    """Routes events between connected client hubs and publishes ``ftrack.update``.

    Each published event goes at most once to every connection (the sender's
    included) holding a subscriber whose subscription matches the event and whose
    metadata the event's target selects.
    """

    #: Seconds between server heartbeats (JS reconnects after 15 s without one).
    heartbeat_interval: float = 10.0
    #: Seconds of client silence before a connection is closed; advertised in the handshake.
    heartbeat_timeout: float = 60.0
    #: Seconds an issued sid stays valid unused; advertised as the close timeout.
    close_timeout: float = 60.0
    #: Frames queued for one client before it counts as too slow and is disconnected.
    max_queued: int = 1000

    def __init__(self, server: Any) -> None:
        self.server = server
        #: The server's own hub id: ``source.id`` of the events it originates.
        self.id = uuid.uuid4().hex
        self.sessions = SessionStore(self.close_timeout)
        self._connections: Dict[str, Connection] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        # One worker keeps ftrack.update events in commit order.
        self._updates = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ftrack-update")

    @property
    def listening(self) -> bool:
        """Whether any client is connected (so ``ftrack.update`` events have readers)."""
        return bool(self._connections)

    @property
    def connections(self) -> List[Connection]:
        """The open connections (a snapshot)."""
        return list(self._connections.values())

    def handshake_answer(self, user: Dict[str, Any]) -> str:
        """Issue a sid for ``user``; return the handshake body ``sid:hb:close:transports``."""
        sid = self.sessions.issue(user)
        return f"{sid}:{_seconds(self.heartbeat_timeout)}:{_seconds(self.close_timeout)}:websocket"

    async def connect(self, websocket: WebSocket, sid: str, user: Dict[str, Any]) -> None:
        """Serve an accepted websocket until it closes, then drop its subscribers."""
        self._loop = asyncio.get_running_loop()
        connection = Connection(self, websocket, sid, user)
        self._connections[sid] = connection
        logger.debug("%r connected.", connection)
        try:
            await connection.serve()
        finally:
            self._connections.pop(sid, None)
            logger.debug("%r disconnected.", connection)
            await connection.shutdown()

    # -- events from clients ------------------------------------------------------------

    def handle_event(self, connection: Connection, raw: Any) -> None:
        """Register, unregister or route what a client sent (on the event loop).

        Raise ``EventError`` or ``ExpressionError`` for input that cannot be used.
        """
        event = normalise(raw)
        topic = event["topic"]
        if topic == SUBSCRIBE_TOPIC:
            metadata, subscription = subscribe_request(event)
            connection.subscribe(metadata, subscription, compile_expression(subscription))
        elif topic == UNSUBSCRIBE_TOPIC:
            connection.unsubscribe(unsubscribe_request(event))
        else:
            self.publish(event)

    # -- routing ------------------------------------------------------------------------

    def publish(self, event: Event) -> int:
        """Deliver a normalised event; return how many connections it went to.

        Call on the event loop only; raise ``ExpressionError`` for an invalid target.
        """
        target = compile_expression(event["target"])
        candidate = subscription_candidate(event)
        frame: Optional[str] = None
        delivered = 0
        for connection in list(self._connections.values()):
            if connection.wants(candidate, target):
                frame = frame or socketio.event_frame(event)
                connection.send(frame)
                delivered += 1
        return delivered

    def publish_threadsafe(self, event: Any) -> None:
        """Route ``event`` from any thread (a no-op while no client is connected)."""
        event = normalise(event)
        loop = self._loop
        if loop is None or loop.is_closed() or not self._connections:
            return
        try:
            loop.call_soon_threadsafe(self._publish_logged, event)
        except RuntimeError:  # the loop closed between the check and the call
            logger.debug("Dropped event %s: the event loop is closed.", event["topic"])

    def _publish_logged(self, event: Event) -> None:
        try:
            self.publish(event)
        except Exception:
            logger.exception("Could not route event %s.", event["topic"])

    # -- ftrack.update ------------------------------------------------------------------

    def publish_changes(self, context: RequestContext) -> None:
        """Publish ``ftrack.update`` for the changes a committed batch made.

        Safe to call from any thread; the event is built on a worker (it looks up
        the user's name) and routed on the event loop, in commit order.
        """
        if not context.changes or not self._connections:
            return
        self._updates.submit(self._publish_update, context)

    def _publish_update(self, context: RequestContext) -> None:
        try:
            name = updates.user_display_name(self.server.database, context)
            self.publish_threadsafe(updates.update_event(context, self.id, name))
        except Exception:
            logger.exception("Could not publish ftrack.update.")


def _seconds(value: float) -> int:
    """Whole seconds for the handshake, which socket.io clients read as integers."""
    return max(1, math.ceil(value))
