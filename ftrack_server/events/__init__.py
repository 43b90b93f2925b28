"""The event hub: socket.io 0.9 endpoints, subscriptions, routing and ftrack.update.

:class:`EventRouter` holds the connected clients and routes their events;
:func:`routes` gives the handshake and websocket endpoints the app mounts.
"""

from __future__ import annotations

from ftrack_server.events.hub import EventRouter
from ftrack_server.events.routes import routes

__all__ = ["EventRouter", "routes"]
