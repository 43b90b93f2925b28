"""File-like wrappers used to move component data between accessors.

Locations copy data from one accessor to another by reading and writing these objects in
chunks (see :data:`ftrack_api.symbol.CHUNK_SIZE`), so nothing here reads more than it is asked
for: ``read(limit)`` returns at most *limit* bytes and only ``read()`` with no limit reads
everything, exactly as Python file objects do.
"""

from __future__ import annotations

import abc
import os
import tempfile
from typing import IO, Any, Optional, Union


class Data(metaclass=abc.ABCMeta):
    """Readable and writable data; subclasses decide where the bytes live."""

    def __init__(self) -> None:
        self.closed = False

    @abc.abstractmethod
    def read(self, limit: Optional[int] = None) -> Any:
        """Return up to *limit* bytes, or everything that is left when *limit* is None."""

    @abc.abstractmethod
    def write(self, content: Any) -> None:
        """Write *content* at the current position."""

    def flush(self) -> None:  # noqa: B027 - a deliberate no-op default
        """Push buffered writes to the underlying storage; nothing is buffered by default."""

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> None:
        """Move the current position; unsupported unless a subclass says otherwise."""
        raise NotImplementedError("Seek not supported.")

    def tell(self) -> int:
        """Return the current position; unsupported unless a subclass says otherwise."""
        raise NotImplementedError("Tell not supported.")

    def close(self) -> None:
        """Flush and mark the data closed; closing twice is harmless."""
        if not self.closed:
            self.flush()
            self.closed = True


class FileWrapper(Data):
    """Data backed by an open file object (anything with read, write, seek, tell)."""

    def __init__(self, wrapped_file: IO[Any]) -> None:
        self.wrapped_file = wrapped_file
        # Buffered files need a seek between a read and a following write, otherwise the write
        # lands wherever the read-ahead buffer left the raw stream.
        self._read_since_last_write = False
        super().__init__()

    def read(self, limit: Optional[int] = None) -> Any:
        """Return up to *limit* bytes (everything when *limit* is None)."""
        self._read_since_last_write = True
        if limit is None:
            return self.wrapped_file.read()
        return self.wrapped_file.read(limit)

    def write(self, content: Any) -> None:
        """Write *content* at the current position."""
        if self._read_since_last_write:
            self.seek(self.tell())
        self.wrapped_file.write(content)
        self._read_since_last_write = False

    def flush(self) -> None:
        """Flush the wrapped file."""
        self.wrapped_file.flush()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> None:
        """Move the wrapped file's position."""
        self.wrapped_file.seek(offset, whence)

    def tell(self) -> int:
        """Return the wrapped file's position."""
        return self.wrapped_file.tell()

    def close(self) -> None:
        """Flush, then close the wrapped file."""
        super().close()
        self.wrapped_file.close()


class File(FileWrapper):
    """Data stored in a file on disk, opened at *path* with *mode* (as :func:`open`)."""

    def __init__(self, path: Union[str, os.PathLike], mode: str = "rb") -> None:
        super().__init__(open(path, mode))  # noqa: SIM115 - closed by close()


class String(FileWrapper):
    """Data held in a temporary file, filled from *content* (text or bytes).

    Text is stored UTF-8 encoded. Reads return ``bytes`` while :attr:`is_binary` is true and
    decoded text otherwise; it starts true and turns false once text has been written (as when
    *content* is a ``str``). A *limit* given to :meth:`read` always counts bytes.
    The temporary file keeps large downloads out of memory.
    """

    def __init__(self, content: Union[str, bytes, None] = None) -> None:
        self.is_binary = True
        super().__init__(tempfile.TemporaryFile())  # noqa: SIM115 - closed by close()
        if content is not None:
            self.write(content)
            self.seek(0)

    def write(self, content: Union[str, bytes]) -> None:
        """Write *content*; text is encoded as UTF-8 and switches reads to text."""
        if isinstance(content, str):
            self.is_binary = False
            content = content.encode("utf-8")
        super().write(content)

    def read(self, limit: Optional[int] = None) -> Union[str, bytes]:
        """Return up to *limit* bytes, decoded to text unless the content is binary."""
        content = super().read(limit)
        if not self.is_binary:
            content = content.decode("utf-8")
        return content
