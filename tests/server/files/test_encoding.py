"""encode_media: a clear error without an encoder, and the whole job flow with one.

The encoder here is a stand-in ``ffmpeg`` script put first on PATH: it writes an
output file the way ffmpeg would, so the job really runs, stores its outputs and
records them.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import uuid

import pytest
import requests

from tests.server.api.wire import create, ref

from .conftest import SERVER_LOCATION_ID, new_id, upload

VFX_SCHEME = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"

FAKE_FFMPEG = """#!{python}
import sys

arguments = sys.argv[1:]
if {fail}:
    sys.stderr.write("boom: unsupported codec\\n")
    sys.exit(1)
source = arguments[arguments.index("-i") + 1]
target = arguments[-1]
with open(source, "rb") as stream:
    size = len(stream.read())
with open(target, "wb") as stream:
    stream.write(("encoded %s of %d bytes" % (target.rsplit(".", 1)[-1], size)).encode())
"""


def _install_fake_ffmpeg(directory, monkeypatch, fail: bool = False) -> None:
    directory.mkdir(exist_ok=True)
    script = directory / "ffmpeg"
    script.write_text(FAKE_FFMPEG.format(python=sys.executable, fail=fail))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ.get('PATH', '')}")


def _version(api) -> str:
    asset_type = api.query("select id from AssetType")[0]
    project_id, asset_id, version_id = new_id(), new_id(), new_id()
    api.ok(
        [
            create(
                "Project",
                id=project_id,
                name="encode_" + uuid.uuid4().hex[:8],
                full_name="Encoding",
                project_schema=ref("ProjectSchema", VFX_SCHEME),
            ),
            create(
                "Asset",
                id=asset_id,
                name="review",
                parent=ref("Project", project_id),
                type=ref("AssetType", asset_type["id"]),
            ),
            create("AssetVersion", id=version_id, asset=ref("Asset", asset_id)),
        ]
    )
    return version_id


def _source(api, data: bytes) -> str:
    component_id = new_id()
    upload(api, component_id, data, "source.mov")
    api.ok(
        [
            create("FileComponent", id=component_id, name="source", file_type=".mov"),
            create(
                "ComponentLocation",
                component_id=component_id,
                location_id=SERVER_LOCATION_ID,
                resource_identifier=component_id,
            ),
        ]
    )
    return component_id


def _encode(api, component_id: str, version_id=None, keep_original=True):
    return api.call(
        [
            {
                "action": "encode_media",
                "component_id": component_id,
                "version_id": version_id,
                "keep_original": keep_original,
            }
        ]
    )


def _finished_job(api, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        (job,) = api.query(
            "select status, data, type, user_id, finished_at, job_components.component_id "
            f'from Job where id is "{job_id}"'
        )
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}"
        time.sleep(0.05)


def test_without_an_encoder_the_error_names_it_and_no_job_is_made(api, tmp_path, monkeypatch):
    component_id = _source(api, b"movie")
    monkeypatch.setenv("PATH", str(tmp_path))  # nowhere to find ffmpeg
    body = _encode(api, component_id)
    assert body["exception"] == "EncoderUnavailableError"
    assert "ffmpeg" in body["content"]
    assert api.query(f'select id from Job where data like "%{component_id}%"') == []


def test_encoding_data_that_was_never_uploaded_is_not_found(api, tmp_path, monkeypatch):
    _install_fake_ffmpeg(tmp_path / "bin", monkeypatch)
    body = _encode(api, new_id())
    assert body["exception"] == "NotFoundError"


def test_an_encoding_job_stores_and_links_its_outputs(api, ftrack_server, tmp_path, monkeypatch):
    _install_fake_ffmpeg(tmp_path / "bin", monkeypatch)
    version_id = _version(api)
    source = _source(api, b"x" * 1234)

    (result,) = _encode(api, source, version_id=version_id)
    job = _finished_job(api, result["job_id"])

    assert job["status"] == "done", job["data"]
    assert job["type"] == "api_job"
    assert job["finished_at"] is not None
    data = json.loads(job["data"])
    assert data["source_component_id"] == source
    assert data["keep_original"] is True
    formats = {output["format"]: output["component_id"] for output in data["output"]}
    assert set(formats) == {"video/mp4", "image/jpeg"}
    linked = {link["component_id"] for link in job["job_components"]}
    assert linked == set(formats.values())

    credentials = {"username": ftrack_server.api_user, "apiKey": ftrack_server.api_key}
    for extension, component_id in (("mp4", formats["video/mp4"]), ("jpg", formats["image/jpeg"])):
        (component,) = api.query(
            "select name, file_type, size, version_id, component_locations.location_id "
            f'from FileComponent where id is "{component_id}"'
        )
        assert component["file_type"] == f".{extension}"
        assert component["version_id"] == version_id
        assert [entry["location_id"] for entry in component["component_locations"]] == [
            SERVER_LOCATION_ID
        ]
        response = requests.get(
            ftrack_server.url + "/component/get",
            params={"id": component_id, **credentials},
            timeout=60,
        )
        expected = f"encoded {extension} of 1234 bytes".encode()
        assert response.content == expected
        assert component["size"] == len(expected)

    (version,) = api.query(f'select thumbnail_id from AssetVersion where id is "{version_id}"')
    assert version["thumbnail_id"] == formats["image/jpeg"]
    # The source is kept.
    assert api.query(f'select id from FileComponent where id is "{source}"')


def test_without_keep_original_the_source_goes(api, ftrack_server, tmp_path, monkeypatch):
    _install_fake_ffmpeg(tmp_path / "bin", monkeypatch)
    source = _source(api, b"original")
    (result,) = _encode(api, source, keep_original=False)
    job = _finished_job(api, result["job_id"])
    assert job["status"] == "done"
    assert json.loads(job["data"])["keep_original"] is False
    assert api.query(f'select id from FileComponent where id is "{source}"') == []
    assert api.query(f'select id from ComponentLocation where component_id is "{source}"') == []
    assert not ftrack_server.server.files.exists(source)


def test_a_failing_encoder_fails_the_job_with_its_message(api, tmp_path, monkeypatch):
    _install_fake_ffmpeg(tmp_path / "bin", monkeypatch, fail=True)
    source = _source(api, b"broken")
    (result,) = _encode(api, source)
    job = _finished_job(api, result["job_id"])
    assert job["status"] == "failed"
    assert job["job_components"] == []
    data = json.loads(job["data"])
    assert "boom: unsupported codec" in data["error"]
    assert data["output"] == []
    assert data["source_component_id"] == source


def test_a_job_from_a_rolled_back_batch_never_runs(api, tmp_path, monkeypatch):
    _install_fake_ffmpeg(tmp_path / "bin", monkeypatch)
    source = _source(api, b"rolled back")
    body = api.call(
        [
            {"action": "encode_media", "component_id": source, "keep_original": True},
            {"action": "no_such_action"},
        ]
    )
    assert "Invalid action" in body["content"]
    time.sleep(0.3)
    assert api.query(f'select id from Job where data like "%{source}%"') == []


@pytest.fixture(autouse=True)
def _posix_only():
    if os.name != "posix":
        pytest.skip("the stand-in encoder is a shebang script")
