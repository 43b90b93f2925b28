"""Component data on disk, keyed by component id.

Layout under the data directory::

    components/<2 chars>/<component id>   the data of one component
    incoming/                              files being written (same file system)
    uploads/<upload id>/                   parts of a multipart upload
    token-secret                           the token signer's secret (see tokens.py)

Writes go to a temporary file in ``incoming/`` and are renamed into place only once
complete and verified, so a reader sees either the old data, the new data or
nothing, never a half-written file. Data is found by component id alone: the server
does not need a ComponentLocation (or even a Component) row to store or serve it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, List, Optional, Sequence, Tuple

from ftrack_server.files.tokens import TokenSigner

CHUNK_SIZE = 1024 * 1024
STALE_UPLOAD_SECONDS = 7 * 24 * 3600
# Ids used as file names as they are: lower case (case-insensitive file systems) and
# without "_", which marks the hashed names of every other id.
_PLAIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
_PART_NAME = re.compile(r"^(\d{5})-([0-9a-f]{32})$")


class IntegrityError(ValueError):
    """Received data does not match the size or checksum the client announced."""


class UploadNotFound(LookupError):
    """A multipart upload id that is unknown, finished or for another component."""


class AtomicWriter:
    """Write a file in chunks; it appears at its destination only on :meth:`commit`.

    Tracks the size and MD5 of what was written so callers can check them against
    what the client announced. Use as a context manager: leaving the block without
    committing (or with an error) deletes the temporary file.
    """

    def __init__(self, destination: Path, scratch: Path) -> None:
        self.destination = destination
        self.size = 0
        self._md5 = hashlib.md5()
        descriptor, name = tempfile.mkstemp(dir=scratch, prefix="write-")
        self._path = Path(name)
        self._stream: Optional[BinaryIO] = os.fdopen(descriptor, "wb")

    def write(self, chunk: bytes) -> None:
        if self._stream is None:
            raise ValueError("The writer is closed.")
        self._stream.write(chunk)
        self._md5.update(chunk)
        self.size += len(chunk)

    @property
    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    @property
    def md5_base64(self) -> str:
        """The checksum in ``Content-MD5`` form (RFC 1864)."""
        return base64.b64encode(self._md5.digest()).decode("ascii")

    def check(self, *, size: Optional[int] = None, md5_base64: Optional[str] = None) -> None:
        """Raise :class:`IntegrityError` if the data differs from what was announced."""
        if size is not None and size != self.size:
            raise IntegrityError(f"Received {self.size} bytes but {size} were announced.")
        if md5_base64 and md5_base64.strip() != self.md5_base64:
            raise IntegrityError(
                f"The data's MD5 checksum is {self.md5_base64}, not {md5_base64.strip()}."
            )

    def commit(self) -> None:
        """Make the written data visible at the destination, replacing any old data."""
        stream = self._close(durable=True)
        if stream is None:
            raise ValueError("The writer is closed.")
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path, self.destination)

    def abort(self) -> None:
        """Forget what was written."""
        self._close()
        self._path.unlink(missing_ok=True)

    def _close(self, durable: bool = False) -> Optional[BinaryIO]:
        stream, self._stream = self._stream, None
        if stream is not None:
            if durable:  # on disk before the rename makes it visible
                stream.flush()
                os.fsync(stream.fileno())
            stream.close()
        return stream

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._stream is not None or self._path.exists():
            self.abort()


class FileStore:
    """Where component data lives: files under the server's data directory.

    Without ``data_dir`` the data goes to a temporary directory removed when the
    store is garbage collected (or the interpreter exits).
    """

    def __init__(self, data_dir: Optional[str] = None) -> None:
        self._temporary: Optional[tempfile.TemporaryDirectory] = None
        if data_dir:
            self.root = Path(data_dir)
        else:
            self._temporary = tempfile.TemporaryDirectory(prefix="ftrack-data-")
            self.root = Path(self._temporary.name)
        for name in ("components", "incoming", "uploads"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        self._sweep()
        self.tokens = TokenSigner.for_directory(self.root)

    # -- single files ----------------------------------------------------------------

    def path(self, component_id: str) -> Path:
        """Where the data of ``component_id`` lives (whether or not it exists)."""
        if _PLAIN_ID.match(component_id or ""):
            return self.root / "components" / component_id[:2] / component_id
        digest = hashlib.sha256((component_id or "").encode("utf-8")).hexdigest()
        return self.root / "components" / digest[:2] / f"_{digest}"

    def exists(self, component_id: str) -> bool:
        return self.path(component_id).is_file()

    def writer(self, component_id: str) -> AtomicWriter:
        """A writer that replaces the data of ``component_id`` on commit."""
        return AtomicWriter(self.path(component_id), self.root / "incoming")

    def write(self, component_id: str, chunks: Iterable[bytes]) -> int:
        """Store ``chunks`` as the data of ``component_id``; return the size."""
        with self.writer(component_id) as writer:
            for chunk in chunks:
                writer.write(chunk)
            writer.commit()
            return writer.size

    def read(self, component_id: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the data of ``component_id`` in chunks; FileNotFoundError if absent."""
        with self.path(component_id).open("rb") as stream:
            while True:
                chunk = stream.read(chunk_size)
                if not chunk:
                    return
                yield chunk

    def adopt(self, component_id: str, source: Path) -> int:
        """Move a finished file (e.g. an encoder's output) in as ``component_id``'s data.

        A file from :meth:`scratch_directory` is renamed into place; any other file is
        copied first, so the data still appears in one step.
        """
        destination = self.path(component_id)
        destination.parent.mkdir(parents=True, exist_ok=True)
        source = Path(source)
        if (self.root / "incoming").resolve() in source.resolve().parents:
            os.replace(source, destination)
        else:
            with self.writer(component_id) as writer, source.open("rb") as stream:
                for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                    writer.write(chunk)
                writer.commit()
        return destination.stat().st_size

    def remove(self, component_id: str) -> bool:
        """Delete the data of ``component_id``; return whether there was any."""
        try:
            self.path(component_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def scratch_directory(self) -> Path:
        """A new private directory under ``incoming/`` for a tool's temporary output."""
        return Path(tempfile.mkdtemp(dir=self.root / "incoming", prefix="work-"))

    # -- multipart uploads -----------------------------------------------------------

    def start_upload(self, component_id: str) -> str:
        """Begin a multipart upload for ``component_id``; return its upload id."""
        upload_id = uuid.uuid4().hex
        directory = self.root / "uploads" / upload_id
        directory.mkdir()
        (directory / "component").write_text(component_id, encoding="utf-8")
        return upload_id

    def part_writer(self, component_id: str, upload_id: str, part_number: int) -> PartWriter:
        """A writer for one part; committing replaces an earlier upload of that part."""
        directory = self._upload_directory(component_id, upload_id)
        return PartWriter(directory, part_number, self.root / "incoming")

    def complete_upload(
        self, component_id: str, upload_id: str, parts: Sequence[Tuple[int, str]]
    ) -> int:
        """Join ``parts`` ((part number, ETag) pairs) in order into the component's data.

        Every listed part must have been uploaded with that ETag. The data appears
        atomically; the upload is then forgotten. Returns the size.
        """
        directory = self._upload_directory(component_id, upload_id)
        uploaded = _uploaded_parts(directory)
        ordered: List[Path] = []
        for number, e_tag in sorted(parts):
            path = uploaded.get(number)
            if path is None:
                raise IntegrityError(f"Part {number} of upload {upload_id} was not uploaded.")
            if e_tag.strip().strip('"').lower() != _PART_NAME.match(path.name).group(2):
                raise IntegrityError(f"Part {number} does not have the ETag {e_tag}.")
            ordered.append(path)
        if not ordered:
            raise IntegrityError("A multipart upload needs at least one part.")
        with self.writer(component_id) as writer:
            for path in ordered:
                with path.open("rb") as stream:
                    while True:
                        chunk = stream.read(CHUNK_SIZE)
                        if not chunk:
                            break
                        writer.write(chunk)
            writer.commit()
            size = writer.size
        shutil.rmtree(directory, ignore_errors=True)
        return size

    def _upload_directory(self, component_id: str, upload_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id or ""):
            raise UploadNotFound(f"Unknown upload {upload_id}.")
        directory = self.root / "uploads" / upload_id
        try:
            owner = (directory / "component").read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UploadNotFound(f"Unknown upload {upload_id}.")
        if owner != component_id:
            raise UploadNotFound(f"Upload {upload_id} is not for component {component_id}.")
        return directory

    # -- housekeeping ----------------------------------------------------------------

    def _sweep(self) -> None:
        """Drop leftovers of an earlier run: partial writes and abandoned uploads."""
        for leftover in (self.root / "incoming").iterdir():
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        cutoff = time.time() - STALE_UPLOAD_SECONDS
        for upload in (self.root / "uploads").iterdir():
            if upload.stat().st_mtime < cutoff:
                shutil.rmtree(upload, ignore_errors=True)


class PartWriter(AtomicWriter):
    """Writes one part of a multipart upload, named by its number and MD5."""

    def __init__(self, directory: Path, part_number: int, scratch: Path) -> None:
        super().__init__(directory / f"{part_number:05d}", scratch)
        self.directory = directory
        self.part_number = part_number

    def commit(self) -> None:
        self.destination = self.directory / f"{self.part_number:05d}-{self.md5_hex}"
        for earlier in self.directory.glob(f"{self.part_number:05d}-*"):
            earlier.unlink(missing_ok=True)
        super().commit()


def _uploaded_parts(directory: Path) -> dict:
    parts = {}
    for path in directory.iterdir():
        match = _PART_NAME.match(path.name)
        if match:
            parts[int(match.group(1))] = path
    return parts
