"""``encode_media``: make web-playable review media from an uploaded component.

The action creates a Job and returns its id at once; once the batch has committed
a background thread runs ``ffmpeg`` to produce an MP4 and a JPEG still, stores them
as new FileComponents in the ``ftrack.server`` location, links them to the Job
through JobComponents and marks the Job ``done`` (or ``failed``, with the reason
in its data). The Job's ``data`` follows protocol.md 4.10::

    {"output": [{"format": "video/mp4", "component_id": "…"}, …],
     "source_component_id": "…", "keep_original": false}

``ffmpeg`` is looked up on the server's PATH when a job is requested; without it the
action fails with an error naming the missing encoder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import subprocess
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from ftrack_server.context import RequestContext
from ftrack_server.errors import ApiError, NotFoundError
from ftrack_server.storage.seed_data import SERVER_LOCATION_ID
from ftrack_server.storage.values import encode_datetime, utc_now
from ftrack_server.storage.writer import Writer

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.api.actions import Call
    from ftrack_server.server import LocalServer

logger = logging.getLogger(__name__)

ENCODER = "ffmpeg"
ENCODE_TIMEOUT = 3600
ERROR_TAIL = 2000


@dataclasses.dataclass(frozen=True)
class Output:
    """One rendition the encoder makes."""

    name: str  # the component name, as the review location expects
    file_type: str
    format: str  # the MIME type reported in the Job's data
    arguments: Tuple[str, ...]  # ffmpeg options between the input and the output path


OUTPUTS = (
    Output(
        "ftrackreview-mp4",
        ".mp4",
        "video/mp4",
        (
            "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2",
            "-movflags", "+faststart", "-c:a", "aac",
        ),
    ),
    Output("ftrackreview-image", ".jpg", "image/jpeg", ("-frames:v", "1", "-q:v", "3")),
)  # fmt: skip


class EncoderUnavailableError(ApiError):
    """The server cannot encode media: no encoder is installed."""

    exception = "EncoderUnavailableError"
    status = 501


def start(call: Call, component_id: str, *, version_id: Optional[str], keep_original: bool) -> str:
    """Create the encoding Job for ``component_id``; run it once the batch commits."""
    encoder = shutil.which(ENCODER)
    if encoder is None:
        raise EncoderUnavailableError(
            "Cannot encode media: this server has no ffmpeg encoder (no ffmpeg executable "
            "on its PATH). Install ffmpeg and restart the server to use encode_media."
        )
    if not call.server.files.exists(component_id):
        raise NotFoundError(
            f"Component {component_id} has no data in the server location to encode."
        )
    if version_id is not None:
        versions = call.server.database.table("asset_version")
        found = call.connection.execute(
            sa.select(versions.c.id).where(versions.c.id == version_id)
        ).first()
        if found is None:
            raise NotFoundError(f"AssetVersion {version_id} not found.")
    job_id = str(uuid.uuid4())
    data = {"output": [], "source_component_id": component_id, "keep_original": keep_original}
    call.writer.create(
        "Job",
        [job_id],
        {
            "id": job_id,
            "type": "api_job",
            "status": "queued",
            "user_id": call.context.user_id,
            "data": json.dumps(data),
        },
    )
    job = EncodingJob(
        call.server,
        call.context,
        job_id=job_id,
        encoder=encoder,
        component_id=component_id,
        version_id=version_id,
        keep_original=keep_original,
    )
    call.context.on_commit.append(job.start)
    return job_id


class EncodingJob:
    """One encoding run, on its own thread once started."""

    def __init__(
        self,
        server: LocalServer,
        context: RequestContext,
        *,
        job_id: str,
        encoder: str,
        component_id: str,
        version_id: Optional[str],
        keep_original: bool,
    ) -> None:
        self.server = server
        self.context = context
        self.job_id = job_id
        self.encoder = encoder
        self.component_id = component_id
        self.version_id = version_id
        self.keep_original = keep_original
        self.thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name=f"encode-{self.job_id}", daemon=True)
        self.thread.start()

    def run(self) -> None:
        """Encode, store the outputs and record the result on the Job."""
        try:
            self._write(lambda writer: self._update_job(writer, "running"))
            workdir = self.server.files.scratch_directory()
            try:
                self._run(workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
        except Exception:  # a background thread: log, never raise into the void
            logger.exception("Encoding job %s could not be recorded", self.job_id)

    def _run(self, workdir: Path) -> None:
        store = self.server.files
        try:
            produced = self._encode(workdir)
        except (EncodingFailed, OSError) as error:
            self._fail(str(error))
            return
        stored: List[Tuple[Output, str, int]] = []
        try:
            for output, path in produced:
                component_id = str(uuid.uuid4())
                stored.append((output, component_id, store.adopt(component_id, path)))
            self._write(lambda writer: self._record(writer, stored))
        except Exception as error:
            logger.exception("Storing the output of encoding job %s failed", self.job_id)
            for _output, component_id, _size in stored:
                store.remove(component_id)
            self._fail(f"Could not store the encoded media: {error}")
            return
        if not self.keep_original:
            store.remove(self.component_id)

    # -- encoding --------------------------------------------------------------------

    def _encode(self, workdir: Path) -> List[Tuple[Output, Path]]:
        source = self.server.files.path(self.component_id)
        produced = []
        for output in OUTPUTS:
            target = workdir / f"{output.name}{output.file_type}"
            command = [
                self.encoder, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                "-i", str(source), *output.arguments, str(target),
            ]  # fmt: skip
            try:
                completed = subprocess.run(
                    command, capture_output=True, timeout=ENCODE_TIMEOUT, check=False
                )
            except subprocess.TimeoutExpired:
                raise EncodingFailed(f"ffmpeg took longer than {ENCODE_TIMEOUT} seconds.")
            if completed.returncode != 0 or not target.is_file():
                message = completed.stderr.decode("utf-8", "replace").strip()[-ERROR_TAIL:]
                raise EncodingFailed(
                    f"ffmpeg could not make {output.format} (exit {completed.returncode}): "
                    f"{message or 'no output'}"
                )
            produced.append((output, target))
        return produced

    # -- database ----------------------------------------------------------------------

    def _write(self, work: Any) -> None:
        """Run ``work(writer)`` in one transaction, then publish what changed."""
        context = dataclasses.replace(self.context, now=utc_now(), changes=[], on_commit=[])
        with self.server.database.transaction() as connection:
            writer = Writer(connection, self.server.model, context)
            work(writer)
            writer.verify()
        self.server.after_commit(context)

    def _update_job(self, writer: Writer, status: str, **data: Any) -> None:
        values: Dict[str, Any] = {"status": status}
        if data:
            values["data"] = json.dumps(
                {
                    "output": data.get("output", []),
                    "source_component_id": self.component_id,
                    "keep_original": self.keep_original,
                    **{key: value for key, value in data.items() if key != "output"},
                }
            )
        if status in ("done", "failed"):
            values["finished_at"] = encode_datetime(writer.context.now)
        writer.update("Job", [self.job_id], values)

    def _record(self, writer: Writer, outputs: List[Tuple[Output, str, int]]) -> None:
        for output, component_id, size in outputs:
            writer.create(
                "FileComponent",
                [component_id],
                {
                    "id": component_id,
                    "name": output.name,
                    "file_type": output.file_type,
                    "size": size,
                    "version_id": self.version_id,
                },
            )
            writer.create(
                "ComponentLocation",
                None,
                {
                    "component_id": component_id,
                    "location_id": SERVER_LOCATION_ID,
                    "resource_identifier": component_id,
                },
            )
            writer.create(
                "JobComponent", None, {"job_id": self.job_id, "component_id": component_id}
            )
        if self.version_id is not None:
            self._set_thumbnail(writer, outputs)
        if not self.keep_original:
            self._delete_source(writer)
        self._update_job(
            writer,
            "done",
            output=[
                {"format": output.format, "component_id": component_id}
                for output, component_id, _size in outputs
            ],
        )

    def _set_thumbnail(self, writer: Writer, outputs: List[Tuple[Output, str, int]]) -> None:
        """Give the version the encoded still as thumbnail, unless it has one."""
        versions = self.server.database.table("asset_version")
        current = writer.connection.execute(
            sa.select(versions.c.thumbnail_id).where(versions.c.id == self.version_id)
        ).first()
        stills = [cid for output, cid, _size in outputs if output.format.startswith("image/")]
        if current is not None and current.thumbnail_id is None and stills:
            writer.update("AssetVersion", [self.version_id], {"thumbnail_id": stills[0]})

    def _delete_source(self, writer: Writer) -> None:
        components = self.server.database.table("component")
        exists = writer.connection.execute(
            sa.select(components.c.id).where(components.c.id == self.component_id)
        ).first()
        if exists is not None:
            writer.delete("Component", [self.component_id])

    def _fail(self, reason: str) -> None:
        logger.warning("Encoding job %s failed: %s", self.job_id, reason)
        self._write(lambda writer: self._update_job(writer, "failed", error=reason))


class EncodingFailed(Exception):
    """The encoder did not produce an output."""
