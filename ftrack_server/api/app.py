"""The Starlette application: routes of the local server on one origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ftrack_server.api.endpoint import api_endpoint
from ftrack_server.events import routes as event_routes
from ftrack_server.files import routes as file_routes

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.server import LocalServer


def create_app(server: LocalServer) -> Starlette:
    """Return the ASGI app serving ``server``."""

    async def index(_request: Request) -> JSONResponse:
        return JSONResponse({"name": "ftrack_server", "api": "/api"})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api", api_endpoint(server), methods=["POST"]),
        *event_routes(server),
        *file_routes(server),
    ]
    app = Starlette(routes=routes)
    app.state.server = server
    return app
