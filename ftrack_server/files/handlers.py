"""HTTP routes of the ``ftrack.server`` location (protocol.md section 8).

* ``PUT /component/upload/<component id>?token=…`` — an upload URL from
  ``get_upload_metadata`` (one part, or one part of a multipart upload).
* ``GET /component/get?id=…`` — the data, streamed.
* ``GET /component/remove?id=…`` — delete the data.
* ``GET /component/thumbnail?id=…[&size=N]`` — the data as a thumbnail.
* ``GET /img/thumbnail2.png`` — the placeholder thumbnail.
* ``GET /widget/<name>?token=…`` — a widget URL from ``get_widget_url``.

Reads accept credentials (query ``username``/``apiKey``, the other query spellings,
or the API headers) or a read token bound to the component. Errors are the API's
JSON error object with a matching HTTP status. Bodies stream in 1 MiB chunks both
ways, so memory use does not grow with file size.
"""

from __future__ import annotations

import html
import mimetypes
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ftrack_server.api import auth
from ftrack_server.errors import (
    ApiError,
    InvalidCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from ftrack_server.files import images
from ftrack_server.files.store import CHUNK_SIZE, AtomicWriter, IntegrityError, UploadNotFound
from ftrack_server.files.tokens import TokenError
from ftrack_server.files.urls import (
    READ,
    UPLOAD,
    UPLOAD_PART,
    WIDGET,
    part_subject,
    widget_subject,
)

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.server import LocalServer

MAX_PARTS = 10000
OCTET_STREAM = "application/octet-stream"
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, PUT, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": "600",
}


class ChunkedFileResponse(FileResponse):
    """A file response sent in 1 MiB chunks."""

    chunk_size = CHUNK_SIZE


def guess_media_type(file_name: str) -> str:
    return mimetypes.guess_type(file_name)[0] or OCTET_STREAM


def routes(server: LocalServer) -> List[Route]:
    """The routes serving ``server``'s component data."""
    handlers = _Handlers(server)
    return [
        Route(
            "/component/upload/{component_id:path}", handlers.upload, methods=["PUT", "OPTIONS"]
        ),
        Route("/component/get", handlers.download, methods=["GET", "HEAD", "OPTIONS"]),
        Route("/component/remove", handlers.remove, methods=["GET", "OPTIONS"]),
        Route("/component/thumbnail", handlers.thumbnail, methods=["GET", "HEAD", "OPTIONS"]),
        Route("/img/thumbnail2.png", handlers.placeholder, methods=["GET", "HEAD"]),
        Route("/widget/{name}", handlers.widget, methods=["GET"]),
    ]


def _error(error: ApiError) -> JSONResponse:
    return JSONResponse(error.as_payload(), status_code=error.status, headers=CORS_HEADERS)


def _preflight() -> Response:
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)


class _Handlers:
    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.store = server.files
        self._placeholder = images.placeholder_png()

    # -- upload ----------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return _preflight()
        component_id = request.path_params["component_id"]
        try:
            writer = await run_in_threadpool(self._upload_writer, request, component_id)
        except ApiError as error:
            return _error(error)
        with writer:
            try:
                await self._receive(request, writer)
                writer.check(
                    size=_content_length(request), md5_base64=request.headers.get("content-md5")
                )
            except IntegrityError as error:
                return _error(ValidationError(f"Upload rejected, nothing was stored: {error}"))
            except ClientDisconnect:
                return Response(status_code=400)
            await run_in_threadpool(writer.commit)
        return Response(status_code=200, headers={**CORS_HEADERS, "ETag": f'"{writer.md5_hex}"'})

    def _upload_writer(self, request: Request, component_id: str) -> AtomicWriter:
        query = request.query_params
        token = query.get("token", "")
        upload_id = query.get("upload_id")
        try:
            if upload_id is None:
                self.store.tokens.verify(token, UPLOAD, component_id)
                return self.store.writer(component_id)
            part_number = _part_number(query.get("part_number"))
            self.store.tokens.verify(
                token, UPLOAD_PART, part_subject(component_id, upload_id, part_number)
            )
            return self.store.part_writer(component_id, upload_id, part_number)
        except TokenError as error:
            raise PermissionDeniedError(f"Upload refused: {error}")
        except UploadNotFound as error:
            raise NotFoundError(str(error))

    async def _receive(self, request: Request, writer: AtomicWriter) -> None:
        """Copy the request body to ``writer`` in chunks of about 1 MiB."""
        buffer = bytearray()
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) >= CHUNK_SIZE:
                await run_in_threadpool(writer.write, buffer)
                buffer = bytearray()
        if buffer:
            await run_in_threadpool(writer.write, buffer)

    # -- download, thumbnail, remove -----------------------------------------------------

    async def download(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return _preflight()
        try:
            component_id, stat, file_name = await run_in_threadpool(self._readable, request)
        except ApiError as error:
            return _error(error)
        return ChunkedFileResponse(
            self.store.path(component_id),
            stat_result=stat,
            media_type=guess_media_type(file_name) if file_name else OCTET_STREAM,
            filename=file_name,
            content_disposition_type="inline",
            headers=CORS_HEADERS,
        )

    async def thumbnail(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return _preflight()
        try:
            component_id, stat, file_name = await run_in_threadpool(self._readable, request)
            size = _optional_size(request.query_params.get("size"))
        except ApiError as error:
            return _error(error)
        path = self.store.path(component_id)
        if size is not None:
            image = await run_in_threadpool(images.scaled, path, size)
            if image is not None:
                content, media_type = image
                return Response(content, media_type=media_type, headers=CORS_HEADERS)
        return ChunkedFileResponse(
            path,
            stat_result=stat,
            media_type=guess_media_type(file_name) if file_name else OCTET_STREAM,
            headers=CORS_HEADERS,
        )

    async def remove(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return _preflight()
        try:
            component_id = _component_id(request)
            await run_in_threadpool(self._authenticate, request)
        except ApiError as error:
            return _error(error)
        removed = await run_in_threadpool(self.store.remove, component_id)
        return JSONResponse({"id": component_id, "removed": removed}, headers=CORS_HEADERS)

    def _readable(self, request: Request) -> Tuple[str, Any, Optional[str]]:
        """Check access to the requested component's data; return (id, stat, file name)."""
        component_id = _component_id(request)
        token = request.query_params.get("token")
        if token:
            try:
                self.store.tokens.verify(token, READ, component_id)
            except TokenError as error:
                raise PermissionDeniedError(f"Access refused: {error}")
        else:
            self._authenticate(request)
        try:
            stat = self.store.path(component_id).stat()
        except FileNotFoundError:
            raise NotFoundError(
                f"Component {component_id} has no data in the server location "
                "(never uploaded, or removed)."
            )
        return component_id, stat, self._file_name(component_id)

    def _authenticate(self, request: Request) -> Dict[str, Any]:
        """The calling user, from any credential spelling; InvalidCredentialsError if none."""
        with self.server.database.transaction(write=False) as connection:
            for username, api_key in _credential_candidates(request):
                try:
                    return auth.authenticate(connection, username, api_key)
                except InvalidCredentialsError:
                    continue
        raise InvalidCredentialsError(
            "The API key is invalid for this user. Send the user name and API key as the "
            "username and apiKey query parameters (or the ftrack-user and ftrack-api-key "
            "headers), or use a URL with a valid token."
        )

    def _file_name(self, component_id: str) -> Optional[str]:
        """``<name><file_type>`` of the component, when the database knows it."""
        components = self.server.database.table("component")
        with self.server.database.transaction(write=False) as connection:
            row = connection.execute(
                sa.select(components.c.name, components.c.file_type).where(
                    components.c.id == component_id
                )
            ).first()
        if row is None or not row.name:
            return None
        return f"{row.name}{row.file_type or ''}"

    # -- placeholder and widgets ---------------------------------------------------------

    async def placeholder(self, _request: Request) -> Response:
        return Response(self._placeholder, media_type="image/png", headers=CORS_HEADERS)

    async def widget(self, request: Request) -> Response:
        name = request.path_params["name"]
        query = request.query_params
        try:
            self.store.tokens.verify(query.get("token", ""), WIDGET, widget_subject(name, query))
        except TokenError as error:
            return _error(PermissionDeniedError(f"Widget refused: {error}"))
        return HTMLResponse(_widget_page(name, query))


def _widget_page(name: str, query: Any) -> str:
    theme = "dark" if query.get("theme") == "dark" else "light"
    colours = ("#2b2b2b", "#e6e6e6") if theme == "dark" else ("#ffffff", "#202020")
    entity = ""
    if query.get("entity_type"):
        entity = (
            f"<p>{html.escape(query['entity_type'])} {html.escape(query.get('entity_id', ''))}</p>"
        )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>ftrack {html.escape(name)}</title>'
        f"<style>body{{background:{colours[0]};color:{colours[1]};font-family:sans-serif}}"
        "</style></head>"
        f'<body class="{theme}"><h1>{html.escape(name)}</h1>{entity}'
        "<p>Widgets are not rendered by the local ftrack server.</p></body></html>\n"
    )


def _component_id(request: Request) -> str:
    component_id = request.query_params.get("id")
    if not component_id:
        raise ValidationError("Missing the component id: add ?id=<component id> to the URL.")
    return component_id


def _credential_candidates(request: Request) -> List[Tuple[str, str]]:
    """(username, api key) pairs to try, most likely first.

    The Python client formats ``username`` into the URL without percent-encoding, so
    a ``+`` in a user name arrives as ``+`` and decodes as a space; the raw spelling is
    tried as well.
    """
    username, api_key = auth.credentials(request.headers, request.query_params)
    candidates = [(username, api_key)]
    raw_username = _raw_query_value(request.url.query, "username")
    raw_key = _raw_query_value(request.url.query, "apiKey")
    alternative = (raw_username or username, raw_key or api_key)
    if "ftrack-user" not in request.headers and alternative not in candidates:
        candidates.append(alternative)
    return candidates


def _raw_query_value(query: str, name: str) -> Optional[str]:
    match = re.search(rf"(?:^|&){re.escape(name)}=([^&]*)", query)
    return unquote(match.group(1)) if match else None


def _content_length(request: Request) -> Optional[int]:
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def _part_number(value: Optional[str]) -> int:
    if not value or not value.isdigit() or not 1 <= int(value) <= MAX_PARTS:
        raise ValidationError(f"part_number must be a whole number from 1 to {MAX_PARTS}.")
    return int(value)


def _optional_size(value: Optional[str]) -> Optional[int]:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(f"size must be a positive whole number of pixels, not {value}.")
    return int(value)
