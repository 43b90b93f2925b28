"""HTTP handshake and websocket endpoints of the event hub (protocol.md 7.2, 7.3)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict, List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from ftrack_server.api import auth
from ftrack_server.errors import ApiError

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.server import LocalServer

logger = logging.getLogger(__name__)

HANDSHAKE_PATH = "/socket.io/1/"
WEBSOCKET_PATH = "/socket.io/1/websocket/{sid}"

#: Close code refusing a websocket whose sid is unknown, used or expired.
POLICY_VIOLATION = 1008


def routes(server: LocalServer) -> List[BaseRoute]:
    """The handshake route and the websocket route, bound to ``server``'s event hub."""
    router = server.events

    async def handshake(request: Request) -> Response:
        username, api_key = auth.credentials(request.headers, request.query_params)
        try:
            user = await run_in_threadpool(_authenticate, server, username, api_key)
        except ApiError as error:
            return JSONResponse(error.as_payload(), status_code=error.status)
        except Exception:  # the boundary: report, never crash the server
            logger.exception("Event hub handshake failed")
            error = ApiError("Internal server error during the event hub handshake.")
            return JSONResponse(error.as_payload(), status_code=error.status)
        return PlainTextResponse(router.handshake_answer(user))

    async def websocket(socket: WebSocket) -> None:
        sid = socket.path_params["sid"]
        user = router.sessions.claim(sid)
        if user is None:
            logger.info("Refused an event hub websocket with an unknown or used sid.")
            await socket.close(code=POLICY_VIOLATION)
            return
        await socket.accept()
        await router.connect(socket, sid, user)

    return [
        Route(HANDSHAKE_PATH, handshake, methods=["GET"]),
        WebSocketRoute(WEBSOCKET_PATH, websocket),
    ]


def _authenticate(server: LocalServer, username: str, api_key: str) -> Dict[str, Any]:
    with server.database.transaction(write=False) as connection:
        return auth.authenticate(connection, username, api_key)
