"""Tests for ftrack_api.accessor.server: component data over HTTP, against the local server."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
import requests

import ftrack_api.exception
import ftrack_api.symbol
from ftrack_api.accessor.server import ServerFile, TransferProgress, _ServerAccessor


@pytest.fixture
def session(ftrack_session):
    return ftrack_session


@pytest.fixture
def accessor(session):
    return session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID).accessor


def new_component(session, name="plate", file_type=".bin"):
    """A FileComponent known to the session (uploads need its name, not a commit)."""
    return session.create("FileComponent", {"name": name, "file_type": file_type})


def upload(accessor, component_id, content):
    data = accessor.open(component_id, "wb")
    data.write(content)
    data.close()


def download(accessor, component_id):
    data = accessor.open(component_id, "rb")
    try:
        return data.read()
    finally:
        data.close()


def test_server_location_uses_this_accessor(accessor, session):
    assert isinstance(accessor, _ServerAccessor)
    assert accessor._session is session
    assert accessor.progress is None


def test_upload_then_download(accessor, session):
    component = new_component(session)
    content = os.urandom(5000)
    upload(accessor, component["id"], content)
    assert download(accessor, component["id"]) == content


def test_reads_are_partial_and_download_once(accessor, session, monkeypatch):
    component = new_component(session)
    upload(accessor, component["id"], b"hello world")
    requested = []
    real_get = requests.get
    monkeypatch.setattr(
        requests, "get", lambda url, **kw: requested.append(url) or real_get(url, **kw)
    )
    data = accessor.open(component["id"])
    assert isinstance(data, ServerFile)
    assert (data.mode, data.resource_identifier) == ("rb", component["id"])
    assert data.read(5) == b"hello"
    assert data.read() == b" world"
    assert len(requested) == 1


def test_upload_sends_name_size_and_checksum(accessor, session, monkeypatch):
    component = new_component(session, name="beauty", file_type=".exr")
    calls = []
    real = session.get_upload_metadata

    def recording(**kw):
        calls.append(kw)
        return real(**kw)

    monkeypatch.setattr(session, "get_upload_metadata", recording)
    upload(accessor, component["id"], b"pixels")
    assert calls == [
        {
            "component_id": component["id"],
            "file_name": "beauty.exr",
            "file_size": 6,
            "checksum": base64.b64encode(hashlib.md5(b"pixels").digest()).decode(),
        }
    ]


@pytest.mark.parametrize(
    ("name", "file_type", "expected"),
    [("a", "exr", "a.exr"), ("a", "", "a"), ("a", None, "a"), ("a", ".tar", "a.tar")],
)
def test_upload_file_name(accessor, session, monkeypatch, name, file_type, expected):
    component = session.create("FileComponent", {"name": name, "file_type": file_type})
    names = []
    real = session.get_upload_metadata
    monkeypatch.setattr(
        session, "get_upload_metadata", lambda **kw: names.append(kw["file_name"]) or real(**kw)
    )
    upload(accessor, component["id"], b"x")
    assert names == [expected]


def test_flush_uploads_everything_and_keeps_the_position(accessor, session):
    component = new_component(session)
    data = accessor.open(component["id"], "wb")
    data.write(b"first")
    data.flush()
    assert download(accessor, component["id"]) == b"first"
    data.write(b"+second")
    data.close()
    assert download(accessor, component["id"]) == b"first+second"


def test_only_write_modes_upload(accessor, session):
    component = new_component(session)
    upload(accessor, component["id"], b"original")
    data = accessor.open(component["id"], "rb")
    data.write(b"changed")
    data.close()
    assert download(accessor, component["id"]) == b"original"


def test_text_written_is_uploaded_as_utf8(accessor, session):
    component = new_component(session, file_type=".txt")
    upload(accessor, component["id"], "caf\u00e9")
    assert download(accessor, component["id"]) == "caf\u00e9".encode()


def test_upload_needs_a_known_component(accessor):
    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError) as caught:
        upload(accessor, "7d6a4fd8-0000-4000-8000-000000000000", b"x")
    assert caught.value.details["operation"] == (
        "Unable to retrieve component with id: 7d6a4fd8-0000-4000-8000-000000000000."
    )


def test_refused_upload_raises(accessor, session, monkeypatch):
    component = new_component(session)
    real = session.get_upload_metadata

    def spoiled(**kw):
        metadata = real(**kw)
        metadata["url"] = metadata["url"].replace("token=", "token=spoiled")
        return metadata

    monkeypatch.setattr(session, "get_upload_metadata", spoiled)
    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError) as caught:
        upload(accessor, component["id"], b"x")
    operation = caught.value.details["operation"]
    assert operation.startswith("Failed to put file to server: 403 Client Error")
    assert operation.endswith(".")


def test_reading_missing_data_raises(accessor, session):
    component = new_component(session)
    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError) as caught:
        download(accessor, component["id"])
    operation = caught.value.details["operation"]
    assert operation.startswith("Failed to read data: 404 Client Error")
    assert accessor.get_url(component["id"]) in operation


def test_remove(accessor, session):
    component = new_component(session)
    upload(accessor, component["id"], b"x")
    accessor.remove(component["id"])
    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError):
        download(accessor, component["id"])


def test_remove_with_bad_credentials_raises(accessor, session, monkeypatch):
    component = new_component(session)
    upload(accessor, component["id"], b"x")
    monkeypatch.setattr(session, "_api_key", "not-a-key")
    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError) as caught:
        accessor.remove(component["id"])
    assert caught.value.details["operation"].startswith("Failed to remove file: 401 Client Error")


def test_urls_carry_the_credentials(accessor, session):
    credentials = f"username={session.api_user}&apiKey={session.api_key}"
    assert accessor.get_url("abc") == f"{session.server_url}/component/get?id=abc&{credentials}"
    assert accessor.get_thumbnail_url("abc") == (
        f"{session.server_url}/component/thumbnail?id=abc&{credentials}"
    )
    assert accessor.get_thumbnail_url("abc", size=50).endswith(f"{credentials}&size=50")


def test_url_downloads_the_data(accessor, session):
    component = new_component(session)
    upload(accessor, component["id"], b"via url")
    assert requests.get(accessor.get_url(component["id"]), timeout=30).content == b"via url"


def test_storage_without_directories(accessor):
    assert accessor.exists("anything") is False
    assert accessor.make_container("anything") is None
    assert accessor.get_container("anything") is None
    for operation in ("list", "is_file", "is_container", "is_sequence"):
        with pytest.raises(NotImplementedError):
            getattr(accessor, operation)("anything")
    with pytest.raises(ftrack_api.exception.AccessorUnsupportedOperationError):
        accessor.get_filesystem_path("anything")


def test_progress_reports_uploads_and_downloads(accessor, session, monkeypatch):
    monkeypatch.setattr(ftrack_api.symbol, "CHUNK_SIZE", 64 * 1024)
    reports = []
    accessor.progress = reports.append
    component = new_component(session)
    size = 1024 * 1024 + 5
    upload(accessor, component["id"], os.urandom(size))
    uploads = [report for report in reports if report.operation == "upload"]
    assert len(uploads) > 2
    assert all(report.resource_identifier == component["id"] for report in uploads)
    assert all(report.total == size for report in uploads)
    sent = [report.transferred for report in uploads]
    assert sent == sorted(sent) and sent[-1] == size
    assert sent.count(size) == 1  # the last report: once the server accepted the data

    reports.clear()
    assert len(download(accessor, component["id"])) == size
    assert reports[-1] == TransferProgress("download", component["id"], size, size)
    assert len(reports) >= size // (64 * 1024)
    assert {report.operation for report in reports} == {"download"}


def test_progress_reports_empty_transfers(accessor, session):
    reports = []
    accessor.progress = reports.append
    component = new_component(session)
    upload(accessor, component["id"], b"")
    assert download(accessor, component["id"]) == b""
    assert reports == [
        TransferProgress("upload", component["id"], 0, 0),
        TransferProgress("download", component["id"], 0, 0),
    ]
