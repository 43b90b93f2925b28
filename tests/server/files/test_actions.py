"""The file transfer's API actions: upload metadata, multipart completion, widget URLs."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.server.api.wire import create

from .conftest import md5_base64, new_id, upload_metadata


@pytest.mark.parametrize(
    ("file_name", "content_type"),
    [
        ("beauty.0001.jpg", "image/jpeg"),
        ("preview.png", "image/png"),
        ("review.mp4", "video/mp4"),
        ("no_extension", "application/octet-stream"),
    ],
)
def test_single_part_metadata_names_the_content_type(api, ftrack_server, file_name, content_type):
    component_id = new_id()
    metadata = upload_metadata(api, component_id, file_name, 10)
    assert metadata["component_id"] == component_id
    assert metadata["url"].startswith(f"{ftrack_server.url}/component/upload/{component_id}?")
    # No Content-Length: the Python client sends the headers verbatim.
    assert metadata["headers"] == {"Content-Type": content_type}


def test_the_checksum_comes_back_as_content_md5(api):
    checksum = md5_base64(b"data")
    metadata = upload_metadata(api, new_id(), "a.png", 4, checksum)
    assert metadata["headers"]["Content-MD5"] == checksum


def test_upload_urls_expire_after_an_hour(api):
    metadata = upload_metadata(api, new_id())
    token = parse_qs(urlsplit(metadata["url"]).query)["token"][0]
    lifetime = int(token.split(".")[0]) - time.time()
    assert 3590 < lifetime <= 3600


def test_metadata_can_share_a_batch_with_the_component_create(api):
    # The JavaScript client's upload starts with this one request (protocol.md 8.2).
    component_id = new_id()
    results = api.ok(
        [
            create("FileComponent", id=component_id, name="clip", file_type=".mp4", size=3),
            {
                "action": "get_upload_metadata",
                "component_id": component_id,
                "file_name": "clip.mp4",
                "file_size": 3,
                "parts": None,
            },
        ]
    )
    assert results[0]["data"]["id"] == component_id
    assert results[1]["headers"]["Content-Type"] == "video/mp4"


def test_multipart_metadata_lists_one_signed_url_per_part(api, ftrack_server):
    component_id = new_id()
    metadata = upload_metadata(api, component_id, "movie.mov", 30, parts=3)
    assert set(metadata) == {"component_id", "upload_id", "urls"}
    assert [entry["part_number"] for entry in metadata["urls"]] == [1, 2, 3]
    for entry in metadata["urls"]:
        url = urlsplit(entry["signed_url"])
        query = parse_qs(url.query)
        assert url.path == f"/component/upload/{component_id}"
        assert query["upload_id"] == [metadata["upload_id"]]
        assert query["part_number"] == [str(entry["part_number"])]
    assert len({entry["signed_url"] for entry in metadata["urls"]}) == 3


@pytest.mark.parametrize("parts", [0, -1, 10001, "3", True, 2.5])
def test_invalid_part_counts_are_refused(api, parts):
    body = api.call([{"action": "get_upload_metadata", "component_id": new_id(), "parts": parts}])
    assert body["exception"] == "ValidationError"
    assert "parts" in body["content"]


def test_metadata_needs_a_component_id(api):
    body = api.call([{"action": "get_upload_metadata", "file_name": "a.png"}])
    assert body["exception"] == "ValidationError"
    assert "component_id" in body["content"]


def test_completing_an_unknown_upload_is_not_found(api):
    body = api.call(
        [
            {
                "action": "complete_multipart_upload",
                "upload_id": "0" * 32,
                "component_id": new_id(),
                "parts": [{"part_number": 1, "e_tag": "x"}],
            }
        ]
    )
    assert body["exception"] == "NotFoundError"


@pytest.mark.parametrize("parts", [None, [], [{"part_number": "1", "e_tag": "x"}], ["x"]])
def test_completion_needs_a_list_of_parts(api, parts):
    metadata = upload_metadata(api, new_id(), parts=1)
    body = api.call(
        [
            {
                "action": "complete_multipart_upload",
                "upload_id": metadata["upload_id"],
                "component_id": metadata["component_id"],
                "parts": parts,
            }
        ]
    )
    assert body["exception"] == "ValidationError"


def test_widget_urls_live_about_six_minutes(api, ftrack_server):
    (result,) = api.ok([{"action": "get_widget_url", "name": "tasks", "theme": None}])
    url = urlsplit(result["widget_url"])
    assert f"{url.scheme}://{url.netloc}" == ftrack_server.url
    assert url.path == "/widget/tasks"
    token = parse_qs(url.query)["token"][0]
    lifetime = int(token.split(".")[0]) - time.time()
    assert 350 < lifetime <= 360


def test_a_widget_needs_a_name(api):
    body = api.call([{"action": "get_widget_url", "theme": "light"}])
    assert body["exception"] == "ValidationError"
