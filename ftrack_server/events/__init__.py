"""The event hub: socket.io 0.9 endpoints, subscriptions, routing and ftrack.update.

Placeholder until the hub lands: no routes, and committed changes are not published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.context import RequestContext


class EventRouter:
    """Routes events between connected clients (not implemented yet)."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def publish_changes(self, context: RequestContext) -> None:
        """Publish ``ftrack.update`` for the changes a committed batch made."""


def routes(server: Any) -> List[Any]:
    """The event hub's HTTP and websocket routes."""
    return []
