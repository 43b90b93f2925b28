"""``POST /api``: authenticate, run the batch, answer with results or one error object."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ftrack_server.api import auth, wire_json
from ftrack_server.api.actions import decode_operations, run_batch
from ftrack_server.context import RequestContext
from ftrack_server.errors import ApiError, DuplicateEntryError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.server import LocalServer

logger = logging.getLogger(__name__)


class JSON(JSONResponse):
    """Compact JSON, as the API has always answered."""

    def render(self, content: Any) -> bytes:
        return wire_json.render(content)


def api_endpoint(server: LocalServer):
    """Build the ``/api`` request handler bound to ``server``."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        strict = request.headers.get("ftrack-strict-api", "").lower() == "true"

        try:
            results = await run_in_threadpool(_handle, server, request, body)
        except ApiError as error:
            return _error_response(error, strict)
        except Exception:  # the boundary: never let a request take the server down
            logger.exception("Unhandled error while serving /api")
            error = ApiError("Internal server error; the batch was not applied.")
            return _error_response(error, strict)
        server.after_commit(results.context)
        return JSON(results.values)

    return endpoint


class _Results:
    __slots__ = ("context", "values")

    def __init__(self, values: list, context: RequestContext) -> None:
        self.values = values
        self.context = context


def _handle(server: LocalServer, request: Request, body: bytes) -> _Results:
    operations = decode_operations(body)
    username, api_key = auth.credentials(request.headers, request.query_params)
    with server.database.transaction(write=False) as connection:
        user = auth.authenticate(connection, username, api_key)
    context = server.request_context(user, request)
    try:
        values = run_batch(server, context, operations)
    except IntegrityError as error:
        raise _integrity_error(error)
    except OperationalError as error:
        logger.exception("Database error")
        raise ApiError(f"Database error: {error.orig}")
    return _Results(values, context)


def _integrity_error(error: IntegrityError) -> ApiError:
    text = str(error.orig)
    if "UNIQUE" in text.upper() or "duplicate key" in text:
        return DuplicateEntryError(f"Duplicate entry: {text}")
    return ValidationError(
        f"The batch would leave a reference to an entity that does not exist ({text})."
    )


def _error_response(error: ApiError, strict: bool) -> Response:
    status = error.status if strict else 200
    return JSON(error.as_payload(), status_code=status)
