"""Publishing as a pipeline does, against the local server.

A plugin configures a studio disk location on ``ftrack.api.session.configure-location``;
a version gets a file component and a sequence component in the server location and the
disk location; the data comes back byte-identical, availability follows every step and
removal leaves nothing behind. Large transfers stream: progress is reported and memory
stays far below the file size.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import sys
import threading
import time
import tracemalloc
import uuid
import zlib

import pytest
import requests

import ftrack_api
import ftrack_api.accessor.disk
import ftrack_api.exception
import ftrack_api.structure.id
import ftrack_api.symbol
from ftrack_api.symbol import SERVER_LOCATION_ID, UNMANAGED_LOCATION_ID

PLUGIN = """
import ftrack_api
import ftrack_api.accessor.disk
import ftrack_api.structure.standard

PREFIX = {prefix!r}


def configure(event):
    session = event["data"]["session"]
    location = session.ensure("Location", {{"name": "studio.disk"}})
    location.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix=PREFIX)
    location.structure = ftrack_api.structure.standard.StandardStructure()
    location.priority = 30


def register(session, **kw):
    if not isinstance(session, ftrack_api.Session):
        return
    session.event_hub.subscribe("topic=ftrack.api.session.configure-location", configure)
"""


@pytest.fixture
def studio(ftrack_server, tmp_path):
    """A session whose plugin configures ``studio.disk`` under ``tmp_path/disk``."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "studio_locations.py").write_text(PLUGIN.format(prefix=str(tmp_path / "disk")))
    session = ftrack_api.Session(
        ftrack_server.url,
        ftrack_server.api_key,
        ftrack_server.api_user,
        plugin_paths=[str(plugins)],
        schema_cache_path=False,
    )
    try:
        yield session
    finally:
        session.close()


def new_version(session):
    project = session.create(
        "Project",
        {
            "name": "publish_" + uuid.uuid4().hex[:8],
            "full_name": "Publish",
            "project_schema": session.query("ProjectSchema").first(),
        },
    )
    sequence = session.create("Sequence", {"name": "sq010", "parent": project})
    shot = session.create("Shot", {"name": "sh010", "parent": sequence})
    asset = session.create(
        "Asset", {"name": "comp", "parent": shot, "type": session.query("AssetType").first()}
    )
    version = session.create("AssetVersion", {"asset": asset, "version": 1})
    session.commit()
    return version


def write_random(path, size):
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.md5()
    with open(path, "wb") as stream:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 1 << 20))
            digest.update(chunk)
            stream.write(chunk)
            remaining -= len(chunk)
    return str(path), digest.hexdigest()


def md5_of(path):
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_from(location, component):
    data = location.accessor.open(location.get_resource_identifier(component), "rb")
    try:
        return data.read()
    finally:
        data.close()


def test_publish_to_server_and_studio_disk(studio, ftrack_server, tmp_path):
    session = studio
    disk = session.query('Location where name is "studio.disk"').one()
    assert disk.priority == 30 and disk.accessor.prefix == str(tmp_path / "disk")
    server = session.get("Location", SERVER_LOCATION_ID)
    version = new_version(session)

    plate_path, _ = write_random(tmp_path / "src" / "plate.mov", 300_000)
    frames = {}
    for frame in (1, 2, 3, 5):
        frames[frame] = f"beauty frame {frame}".encode()
        (tmp_path / "src" / f"beauty.{frame:04d}.exr").write_bytes(frames[frame])
    sequence_path = str(tmp_path / "src" / "beauty.%04d.exr [1-3, 5]")

    plate = version.create_component(plate_path, data={"name": "plate"}, location=server)
    beauty = version.create_component(sequence_path, data={"name": "beauty"}, location=server)
    assert plate["version_id"] == version["id"] and beauty["version_id"] == version["id"]

    # The studio disk receives the data from the server location.
    disk.add_component(plate, server)
    disk.add_component(beauty, server)

    # Everything comes back byte-identical, in a fresh session too.
    with open(plate_path, "rb") as stream:
        plate_bytes = stream.read()
    assert read_from(server, plate) == plate_bytes
    disk_plate = disk.get_filesystem_path(plate)
    assert disk_plate == os.path.join(
        str(tmp_path / "disk"),
        version["asset"]["parent"]["project"]["name"],
        "sq010",
        "sh010",
        "comp",
        "v001",
        "plate.mov",
    )
    with open(disk_plate, "rb") as stream:
        assert stream.read() == plate_bytes
    members = sorted(beauty["members"], key=lambda member: member["name"])
    assert [member["name"] for member in members] == ["0001", "0002", "0003", "0005"]
    for member, frame in zip(members, (1, 2, 3, 5)):
        assert read_from(server, member) == frames[frame]
        with open(disk.get_filesystem_path(member), "rb") as stream:
            assert stream.read() == frames[frame]

    with ftrack_api.Session(
        ftrack_server.url,
        ftrack_server.api_key,
        ftrack_server.api_user,
        plugin_paths=[],
        schema_cache_path=False,
    ) as fresh:
        fetched = fresh.get("FileComponent", plate["id"])
        fresh_server = fresh.get("Location", SERVER_LOCATION_ID)
        assert requests.get(fresh_server.get_url(fetched), timeout=30).content == plate_bytes
        assert fetched["name"] == "plate" and fetched["size"] == len(plate_bytes)

    # Availability: both locations, never unmanaged.
    for component in (plate, beauty):
        availability = component.get_availability()
        assert availability[SERVER_LOCATION_ID] == 100.0
        assert availability[disk["id"]] == 100.0
        assert availability[UNMANAGED_LOCATION_ID] == 0.0
    assert session.pick_location(plate) is disk  # priority 30 beats the server's 150

    # Removal from the server leaves the studio copy.
    url = server.get_url(plate)
    server.remove_component(plate)
    server.remove_component(beauty)
    assert requests.get(url, timeout=30).status_code == 404
    for component in (plate, beauty):
        availability = component.get_availability()
        assert availability[SERVER_LOCATION_ID] == 0.0
        assert availability[disk["id"]] == 100.0

    member_paths = disk.get_filesystem_paths(members)
    disk.remove_component(plate)
    disk.remove_component(beauty)
    assert not os.path.exists(disk_plate)
    assert not any(os.path.exists(path) for path in member_paths)
    assert set(plate.get_availability().values()) == {0.0}
    assert set(beauty.get_availability().values()) == {0.0}


def test_large_transfer_streams_with_progress(ftrack_session, tmp_path):
    session = ftrack_session
    server = session.get("Location", SERVER_LOCATION_ID)
    size = 24 * ftrack_api.symbol.CHUNK_SIZE + 12_345
    path, checksum = write_random(tmp_path / "large.bin", size)
    reports = []
    server.accessor.progress = reports.append

    tracemalloc.start()
    try:
        component = session.create_component(path, location=server)
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        target = session.create("Location", {"name": f"test.large.{uuid.uuid4().hex}"})
        target.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix=str(tmp_path / "copy"))
        target.structure = ftrack_api.structure.id.IdStructure()
        target.add_component(component, server)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert md5_of(target.get_filesystem_path(component)) == checksum
    # Client and (in-process) server together stay far below the file size.
    assert upload_peak < size / 4, upload_peak
    assert download_peak < size / 4, download_peak

    uploads = [report for report in reports if report.operation == "upload"]
    downloads = [report for report in reports if report.operation == "download"]
    assert uploads and downloads
    assert reports.index(uploads[-1]) < reports.index(downloads[0])
    for transfers in (uploads, downloads):
        done = [report.transferred for report in transfers]
        assert done == sorted(done)
        assert done[-1] == size
        assert {report.total for report in transfers} == {size}
        assert {report.resource_identifier for report in transfers} == {component["id"]}
    assert len(downloads) >= 24


def test_component_events_reach_connected_hubs(ftrack_server, tmp_path):
    received = []
    arrived = threading.Event()

    def on_event(event):
        received.append((event["topic"], dict(event["data"])))
        if event["topic"].endswith("component-removed"):
            arrived.set()

    with ftrack_api.Session(
        ftrack_server.url,
        ftrack_server.api_key,
        ftrack_server.api_user,
        plugin_paths=[],
        schema_cache_path=False,
        auto_connect_event_hub=True,
    ) as session:
        deadline = time.monotonic() + 30
        while not session.event_hub.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session.event_hub.connected
        session.event_hub.subscribe(
            f"topic=ftrack.location.* and data.location_id={SERVER_LOCATION_ID}", on_event
        )
        time.sleep(0.5)  # let the subscription reach the server
        server = session.get("Location", SERVER_LOCATION_ID)
        path, _ = write_random(tmp_path / "a.bin", 1000)
        component = session.create_component(path, location=server)
        server.remove_component(component)
        while not arrived.is_set() and time.monotonic() < deadline:
            session.event_hub.wait(0.2)
    data = {"component_id": component["id"], "location_id": SERVER_LOCATION_ID}
    assert received == [
        ("ftrack.location.component-added", data),
        ("ftrack.location.component-removed", data),
    ]


def tiny_png(width=16, height=8):
    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_create_thumbnail(ftrack_session, tmp_path):
    session = ftrack_session
    version = new_version(session)
    path = tmp_path / "thumb.png"
    path.write_bytes(tiny_png())
    component = version.create_thumbnail(str(path))
    assert component["name"] == "thumbnail"
    assert version["thumbnail_id"] == component["id"]
    server = session.get("Location", SERVER_LOCATION_ID)
    assert server.get_component_availability(component) == 100.0
    response = requests.get(server.get_thumbnail_url(component, size=300), timeout=30)
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    session.reset()
    assert session.get("AssetVersion", version["id"])["thumbnail_id"] == component["id"]


FAKE_FFMPEG = """#!{python}
import sys
arguments = sys.argv[1:]
target = arguments[-1]
with open(arguments[arguments.index("-i") + 1], "rb") as source:
    size = len(source.read())
with open(target, "wb") as stream:
    stream.write(("encoded %d bytes" % size).encode())
"""


def test_encode_media_without_an_encoder_is_a_clear_error(ftrack_session, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    path, _ = write_random(tmp_path / "clip.mov", 2000)
    with pytest.raises(ftrack_api.exception.ServerError) as caught:
        ftrack_session.encode_media(path)
    assert "ffmpeg" in str(caught.value)


def test_encode_media_creates_a_job_with_review_components(ftrack_session, tmp_path, monkeypatch):
    binary = tmp_path / "bin"
    binary.mkdir()
    script = binary / "ffmpeg"
    script.write_text(FAKE_FFMPEG.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{binary}{os.pathsep}{os.environ.get('PATH', '')}")

    session = ftrack_session
    version = new_version(session)
    path, _ = write_random(tmp_path / "clip.mov", 2000)
    job = version.encode_media(path)
    assert job.entity_type == "Job"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        session.reset()
        job = session.get("Job", job["id"])
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job["data"]
    outputs = json.loads(job["data"])["output"]
    assert outputs
    server = session.get("Location", SERVER_LOCATION_ID)
    for output in outputs:
        component = session.get("FileComponent", output["component_id"])
        assert server.get_component_availability(component) == 100.0
        assert read_from(server, component).startswith(b"encoded 2000 bytes")
