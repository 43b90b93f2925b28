"""The ``ftrack.server`` location's accessor: component data stored on the ftrack server.

Resource identifiers are component ids. Data moves over HTTP (protocol.md section 8):

* upload: ``get_upload_metadata`` for a URL and headers, then one ``PUT`` of the bytes;
* download: ``GET <server>/component/get?id=…&username=…&apiKey=…``;
* removal: ``GET <server>/component/remove?id=…``.

Transfers stream in chunks of :data:`ftrack_api.symbol.CHUNK_SIZE`; a file is never held
in memory whole. A :class:`ServerFile` buffers the data in a temporary file: reads download
it there first, and closing (or flushing) a file opened in a ``"w"`` mode uploads it.

Progress reporting: set :attr:`_ServerAccessor.progress` (for example on
``session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID).accessor``) to a callable
taking a :class:`TransferProgress`. It is called as chunks move, with the bytes moved so
far and the total (``None`` when the server did not say how much it would send); the last
call of a transfer has ``transferred == total`` and, for an upload, comes once the server
has accepted the data. An empty transfer reports ``(0, 0)`` once. The callback runs in the
thread doing the transfer: keep it quick.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any, Callable, Iterator, List, NamedTuple, Optional

import requests

import ftrack_api.symbol
from ftrack_api.accessor.base import Accessor
from ftrack_api.data import String
from ftrack_api.exception import AccessorOperationFailedError

__all__ = ["Accessor", "ServerFile", "String", "TransferProgress"]

UPLOAD = "upload"
DOWNLOAD = "download"


class TransferProgress(NamedTuple):
    """How far one transfer to or from the server has got."""

    operation: str  #: ``"upload"`` or ``"download"``
    resource_identifier: str  #: the component id
    transferred: int  #: bytes moved so far
    total: Optional[int]  #: bytes to move, ``None`` when unknown


ProgressCallback = Callable[[TransferProgress], Any]


class ServerFile(String):
    """A component's data on the server, buffered in a temporary file.

    The first read downloads the data into the buffer. Flushing (and so closing) a file
    opened in a ``"w"`` mode uploads the whole buffer; other modes never upload.
    """

    def __init__(self, resource_identifier: str, session: Any, mode: str = "rb") -> None:
        self.mode = mode
        self.resource_identifier = resource_identifier
        self._session = session
        self._has_read = False
        self._timeout = getattr(session, "request_timeout", 60)
        self._progress: Optional[ProgressCallback] = None
        super().__init__()

    def flush(self) -> None:
        """Flush the buffer, then upload it when the file was opened for writing."""
        super().flush()
        if "w" in self.mode:
            self._write()

    def read(self, limit: Optional[int] = None) -> Any:
        """Read up to ``limit`` bytes, downloading the data on the first read."""
        if not self._has_read:
            self._read()
            self._has_read = True
        return super().read(limit)

    # -- transfers ---------------------------------------------------------------------

    def _read(self) -> None:
        """Download the data into the buffer, keeping the current position."""
        position = self.tell()
        self.seek(0)
        url = _component_url(self._session, "get", self.resource_identifier)
        transferred = 0
        try:
            with requests.get(url, stream=True, timeout=self._timeout) as response:
                response.raise_for_status()
                total = _content_length(response)
                for chunk in response.iter_content(chunk_size=ftrack_api.symbol.CHUNK_SIZE):
                    self.wrapped_file.write(chunk)
                    transferred += len(chunk)
                    self._report(DOWNLOAD, transferred, total)
        except requests.exceptions.RequestException as error:
            self.seek(position)
            raise AccessorOperationFailedError(operation=f"Failed to read data: {error}.")
        if not transferred:
            self._report(DOWNLOAD, 0, 0)
        self.wrapped_file.truncate()
        self.wrapped_file.flush()
        self.seek(position)

    def _write(self) -> None:
        """Upload the whole buffer as the component's data, keeping the current position."""
        position = self.tell()
        component = self._session.get("FileComponent", self.resource_identifier)
        if not component:
            raise AccessorOperationFailedError(
                operation=f"Unable to retrieve component with id: {self.resource_identifier}."
            )
        size = self._get_size()
        metadata = self._session.get_upload_metadata(
            component_id=self.resource_identifier,
            file_name=_file_name(component),
            file_size=size,
            checksum=self._compute_checksum(),
        )
        self.seek(0)
        body = _ProgressReader(
            self.wrapped_file, size, lambda sent: self._report(UPLOAD, sent, size)
        )
        try:
            response = requests.put(
                metadata["url"], data=body, headers=metadata["headers"], timeout=self._timeout
            )
            response.raise_for_status()
        except requests.exceptions.RequestException as error:
            raise AccessorOperationFailedError(operation=f"Failed to put file to server: {error}.")
        finally:
            self.seek(position)
        self._report(UPLOAD, size, size)

    def _get_size(self) -> int:
        """Size of the buffered data in bytes."""
        self.wrapped_file.flush()
        return os.fstat(self.wrapped_file.fileno()).st_size

    def _compute_checksum(self) -> str:
        """Base64 MD5 of the buffered data (RFC 1864), read in chunks."""
        position = self.tell()
        self.seek(0)
        digest = hashlib.md5()
        for chunk in iter(lambda: self.wrapped_file.read(ftrack_api.symbol.CHUNK_SIZE), b""):
            digest.update(chunk)
        self.seek(position)
        return base64.b64encode(digest.digest()).decode("ascii")

    def _report(self, operation: str, transferred: int, total: Optional[int]) -> None:
        if self._progress is not None:
            self._progress(
                TransferProgress(operation, self.resource_identifier, transferred, total)
            )


class _ProgressReader:
    """The upload body: the file in chunks of CHUNK_SIZE, telling how much was sent.

    ``requests`` streams an iterable body as it is (a file object would be read in
    16 KiB blocks); ``__len__`` gives it a Content-Length instead of chunked encoding.
    ``on_read`` is called after every chunk but the last: the upload is complete only
    once the server has answered.
    """

    def __init__(self, wrapped: Any, size: int, on_read: Callable[[int], Any]) -> None:
        self._wrapped = wrapped
        self._size = size
        self._on_read = on_read

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        while True:
            chunk = self._wrapped.read(ftrack_api.symbol.CHUNK_SIZE)
            if not chunk:
                return
            yield chunk
            sent += len(chunk)
            if sent < self._size:
                self._on_read(sent)


class _ServerAccessor(Accessor):
    """Read, write and remove component data on the server by component id.

    The server has no directories to list or create: container operations do nothing
    and listing or type checks are not implemented. :meth:`exists` always answers
    False, so adding a component writes its data whatever is already stored.
    """

    def __init__(self, session: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self._session = session
        self._timeout = getattr(session, "request_timeout", 60)
        #: Called with a :class:`TransferProgress` as uploads and downloads advance.
        self.progress: Optional[ProgressCallback] = None

    def open(self, resource_identifier: str, mode: str = "rb") -> ServerFile:
        """The data of component ``resource_identifier``, buffered for reading or writing."""
        data = ServerFile(resource_identifier, session=self._session, mode=mode)
        data._progress = self.progress
        return data

    def remove(self, resource_identifier: str) -> None:
        """Delete the component's data from the server."""
        url = _component_url(self._session, "remove", resource_identifier)
        try:
            response = requests.get(url, timeout=self._timeout)
            response.raise_for_status()
        except requests.exceptions.RequestException as error:
            raise AccessorOperationFailedError(operation=f"Failed to remove file: {error}.")

    def make_container(self, resource_identifier: str, recursive: bool = True) -> None:
        """Nothing to do: the server stores data by component id alone."""

    def list(self, resource_identifier: str) -> List[Any]:
        raise NotImplementedError()

    def exists(self, resource_identifier: str) -> bool:
        """Always False: the server is not asked (adding data overwrites)."""
        return False

    def is_file(self, resource_identifier: str) -> bool:
        raise NotImplementedError()

    def is_container(self, resource_identifier: str) -> bool:
        raise NotImplementedError()

    def is_sequence(self, resource_identifier: str) -> bool:
        raise NotImplementedError()

    def get_container(self, resource_identifier: str) -> None:
        """None: data on the server lives in no container."""
        return None

    def get_url(self, resource_identifier: str) -> str:
        """A download URL for the component's data, carrying the session's credentials."""
        return _component_url(self._session, "get", resource_identifier)

    def get_thumbnail_url(self, resource_identifier: str, size: Optional[int] = None) -> str:
        """A URL of the component as a thumbnail, scaled to fit ``size`` pixels if given."""
        url = _component_url(self._session, "thumbnail", resource_identifier)
        if size:
            url += f"&size={size}"
        return url


def _component_url(session: Any, endpoint: str, resource_identifier: str) -> str:
    # Formatted as the original client does, without percent-encoding (the local
    # server accepts both spellings, protocol.md 8.3).
    return (
        f"{session.server_url}/component/{endpoint}?id={resource_identifier}"
        f"&username={session.api_user}&apiKey={session.api_key}"
    )


def _file_name(component: Any) -> str:
    """``<name>.<file type>`` of a component, the name the server stores it under."""
    name = component["name"]
    file_type = component["file_type"]
    if file_type and file_type is not ftrack_api.symbol.NOT_SET:
        return f"{name}.{file_type.lstrip('.')}"
    return name


def _content_length(response: requests.Response) -> Optional[int]:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None
