"""The component routes over real HTTP: upload, download, remove, thumbnails, widgets."""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys

import pytest
import requests

from tests.server.api.wire import create, ref

from .conftest import SERVER_LOCATION_ID, get, md5_base64, new_id, upload, upload_metadata


def _error(response: requests.Response, status: int, exception: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["exception"] == exception
    assert set(body) == {"exception", "content", "error_code"}
    return body["content"]


# -- upload and download -------------------------------------------------------------


def test_an_uncommitted_component_uploads_and_downloads_byte_for_byte(
    api, ftrack_server, credentials
):
    component_id = new_id()  # no Component or ComponentLocation row exists
    data = os.urandom(300_000)
    upload(api, component_id, data, "plate.exr")

    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["content-type"] == "application/octet-stream"


def test_ids_that_are_not_uuids_upload_and_download(api, ftrack_server, credentials):
    for component_id in ("custom/id with spaces", "../../etc", "UPPER-case"):
        upload(api, component_id, component_id.encode())
        response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
        assert response.content == component_id.encode()


def test_the_upload_answers_the_md5_as_etag(api):
    component_id, data = new_id(), b"etag me"
    metadata = upload_metadata(api, component_id, "a.txt", len(data))
    response = requests.put(metadata["url"], data=data, headers=metadata["headers"], timeout=60)
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert response.headers["access-control-expose-headers"] == "ETag"


def test_a_committed_component_downloads_under_its_file_name(api, ftrack_server, credentials):
    component_id = new_id()
    api.ok([create("FileComponent", id=component_id, name="beauty", file_type=".jpg")])
    upload(api, component_id, b"\xff\xd8 jpeg-ish", "beauty.jpg")
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    assert response.headers["content-type"] == "image/jpeg"
    assert 'filename="beauty.jpg"' in response.headers["content-disposition"]


def test_uploading_again_replaces_the_data(api, ftrack_server, credentials):
    component_id = new_id()
    upload(api, component_id, b"first")
    upload(api, component_id, b"second")
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    assert response.content == b"second"


def test_every_credential_spelling_reads_data(api, ftrack_server):
    component_id = new_id()
    upload(api, component_id, b"spellings")
    url = ftrack_server.url + "/component/get"
    user, key = ftrack_server.api_user, ftrack_server.api_key
    assert get(url, id=component_id, username=user, apiKey=key).content == b"spellings"
    assert get(url, id=component_id, api_user=user, api_key=key).content == b"spellings"
    response = requests.get(
        url,
        params={"id": component_id},
        headers={"ftrack-user": user, "ftrack-api-key": key},
        timeout=60,
    )
    assert response.content == b"spellings"


def test_a_plus_in_an_unencoded_user_name_still_authenticates(api, ftrack_server):
    # The Python client formats the URL without percent-encoding (protocol.md 8.3).
    username = f"plus+{new_id()[:8]}"
    key = ftrack_server.server.create_user(username)
    component_id = new_id()
    upload(api, component_id, b"plus")
    url = f"{ftrack_server.url}/component/get?id={component_id}&username={username}&apiKey={key}"
    assert requests.get(url, timeout=60).content == b"plus"


def test_unknown_data_is_a_404_json_error(ftrack_server, credentials):
    response = get(ftrack_server.url + "/component/get", id=new_id(), **credentials)
    assert "no data" in _error(response, 404, "NotFoundError")


def test_a_missing_id_is_a_400(ftrack_server, credentials):
    _error(get(ftrack_server.url + "/component/get", **credentials), 400, "ValidationError")


def test_wrong_or_missing_credentials_are_a_401(api, ftrack_server):
    component_id = new_id()
    upload(api, component_id, b"secret")
    url = ftrack_server.url + "/component/get"
    wrong = get(url, id=component_id, username=ftrack_server.api_user, apiKey="wrong")
    assert "apiKey" in _error(wrong, 401, "InvalidCredentialsError")
    _error(get(url, id=component_id), 401, "InvalidCredentialsError")


# -- signed read URLs (computed url / thumbnail_url) ----------------------------------------


def _registered_component(api, data: bytes, **values) -> str:
    component_id = new_id()
    upload(api, component_id, data)
    api.ok(
        [
            create("FileComponent", id=component_id, name="main", file_type=".bin", **values),
            create(
                "ComponentLocation",
                component=ref("FileComponent", component_id),
                location=ref("Location", SERVER_LOCATION_ID),
                resource_identifier=component_id,
            ),
        ]
    )
    return component_id


def _location_entry(api, component_id: str) -> dict:
    expression = f'select url from ComponentLocation where component_id is "{component_id}"'
    (entry,) = api.query(expression)
    return entry


def test_the_computed_url_downloads_without_credentials(api):
    component_id = _registered_component(api, b"signed download")
    entry = _location_entry(api, component_id)
    url = entry["url"]["url"]
    assert "apiKey" not in url and "token=" in url
    assert requests.get(url, timeout=60).content == b"signed download"


def test_a_read_token_opens_only_its_own_component(api, ftrack_server):
    mine = _registered_component(api, b"mine")
    other = _registered_component(api, b"other")
    entry = _location_entry(api, mine)
    token = re.search(r"token=([^&]+)", entry["url"]["url"]).group(1)
    response = get(ftrack_server.url + "/component/get", id=other, token=token)
    assert "not valid" in _error(response, 403, "PermissionError")
    response = get(ftrack_server.url + "/component/get", id=mine, token=token + "x")
    _error(response, 403, "PermissionError")


def test_thumbnail_url_serves_the_thumbnail_without_credentials(api):
    thumbnail_id = _registered_component(api, b"\x89PNG thumbnail bytes")
    user = api.query("select id from User")[0]
    api.ok(
        [
            {
                "action": "update",
                "entity_type": "User",
                "entity_key": [user["id"]],
                "entity_data": {"thumbnail_id": thumbnail_id},
            }
        ]
    )
    (found,) = api.query(f'select thumbnail_url from User where id is "{user["id"]}"')
    url = found["thumbnail_url"]["url"]
    assert "/component/thumbnail?" in url
    assert requests.get(url, timeout=60).content == b"\x89PNG thumbnail bytes"
    api.ok(
        [
            {
                "action": "update",
                "entity_type": "User",
                "entity_key": [user["id"]],
                "entity_data": {"thumbnail_id": None},
            }
        ]
    )


# -- upload refusals -----------------------------------------------------------------------


def test_an_upload_with_a_wrong_checksum_stores_nothing(api, ftrack_server, credentials):
    component_id = new_id()
    metadata = upload_metadata(api, component_id, "a.bin", 4, md5_base64(b"good"))
    response = requests.put(metadata["url"], data=b"evil", headers=metadata["headers"], timeout=60)
    assert "MD5" in _error(response, 400, "ValidationError")
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    _error(response, 404, "NotFoundError")


def test_an_upload_with_a_bad_token_is_refused(api, ftrack_server, credentials):
    component_id, other_id = new_id(), new_id()
    metadata = upload_metadata(api, component_id)
    # The token of one component does not upload another.
    stolen = metadata["url"].replace(component_id, other_id)
    _error(requests.put(stolen, data=b"x", timeout=60), 403, "PermissionError")
    tampered = metadata["url"][:-1] + ("A" if metadata["url"][-1] != "A" else "B")
    _error(requests.put(tampered, data=b"x", timeout=60), 403, "PermissionError")
    bare = metadata["url"].split("?")[0]
    _error(requests.put(bare, data=b"x", timeout=60), 403, "PermissionError")
    for target in (component_id, other_id):
        response = get(ftrack_server.url + "/component/get", id=target, **credentials)
        _error(response, 404, "NotFoundError")


def test_upload_urls_answer_cors_preflights(api):
    metadata = upload_metadata(api, new_id())
    response = requests.options(
        metadata["url"],
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "PUT"},
        timeout=60,
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "PUT" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-expose-headers"] == "ETag"


# -- multipart ----------------------------------------------------------------------------


def _multipart(api, component_id: str, data: bytes, parts: int):
    metadata = upload_metadata(api, component_id, "movie.mov", len(data), parts=parts)
    assert metadata["component_id"] == component_id
    assert [entry["part_number"] for entry in metadata["urls"]] == list(range(1, parts + 1))
    size = -(-len(data) // parts)
    e_tags = {}
    for entry in reversed(metadata["urls"]):  # any order, as concurrent uploads finish
        number = entry["part_number"]
        chunk = data[(number - 1) * size : number * size]
        response = requests.put(entry["signed_url"], data=chunk, timeout=60)
        assert response.status_code == 200, response.text
        e_tags[number] = response.headers["etag"]
    return metadata["upload_id"], e_tags


def test_a_multipart_upload_completes_with_its_component_location(api, ftrack_server, credentials):
    component_id, data = new_id(), os.urandom(1_000_003)
    upload_id, e_tags = _multipart(api, component_id, data, parts=3)
    results = api.ok(
        [
            create("FileComponent", id=component_id, name="movie", file_type=".mov"),
            {
                "action": "complete_multipart_upload",
                "upload_id": upload_id,
                "component_id": component_id,
                "parts": [
                    {"part_number": number, "e_tag": tag.strip('"')}
                    for number, tag in sorted(e_tags.items())
                ],
            },
            create(
                "ComponentLocation",
                component_id=component_id,
                location_id=SERVER_LOCATION_ID,
                resource_identifier=component_id,
            ),
        ]
    )
    assert results[1]["action"] == "complete_multipart_upload"
    assert results[1]["component_id"] == component_id
    assert requests.get(results[1]["url"], timeout=60).content == data
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    assert response.content == data


def test_a_multipart_completion_with_a_wrong_etag_stores_nothing(api, ftrack_server, credentials):
    component_id, data = new_id(), b"abcdefghij"
    upload_id, e_tags = _multipart(api, component_id, data, parts=2)
    body = api.call(
        [
            {
                "action": "complete_multipart_upload",
                "upload_id": upload_id,
                "component_id": component_id,
                "parts": [
                    {"part_number": 1, "e_tag": e_tags[2]},
                    {"part_number": 2, "e_tag": e_tags[2]},
                ],
            }
        ]
    )
    assert body["exception"] == "ValidationError"
    assert "ETag" in body["content"]
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    _error(response, 404, "NotFoundError")


def test_a_part_url_does_not_upload_another_part(api):
    metadata = upload_metadata(api, new_id(), parts=2)
    first = metadata["urls"][0]["signed_url"]
    response = requests.put(first.replace("part_number=1", "part_number=2"), data=b"x", timeout=60)
    _error(response, 403, "PermissionError")
    response = requests.put(first.replace("part_number=1", "part_number=0"), data=b"x", timeout=60)
    _error(response, 400, "ValidationError")


# -- remove -------------------------------------------------------------------------------


def test_remove_deletes_the_data(api, ftrack_server, credentials):
    component_id = new_id()
    upload(api, component_id, b"to be removed")
    response = get(ftrack_server.url + "/component/remove", id=component_id, **credentials)
    assert response.status_code == 200
    assert response.json() == {"id": component_id, "removed": True}
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    _error(response, 404, "NotFoundError")
    # Removing again is harmless: the data is gone either way.
    response = get(ftrack_server.url + "/component/remove", id=component_id, **credentials)
    assert response.json() == {"id": component_id, "removed": False}


def test_remove_needs_credentials_not_a_read_token(api, ftrack_server, credentials):
    component_id = _registered_component(api, b"keep me")
    entry = _location_entry(api, component_id)
    token = re.search(r"token=([^&]+)", entry["url"]["url"]).group(1)
    response = get(ftrack_server.url + "/component/remove", id=component_id, token=token)
    _error(response, 401, "InvalidCredentialsError")
    response = get(ftrack_server.url + "/component/get", id=component_id, **credentials)
    assert response.content == b"keep me"


# -- thumbnails, placeholder, widgets --------------------------------------------------------


def test_thumbnails_serve_the_component_data(api, ftrack_server, credentials, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # as without Pillow
    component_id = new_id()
    upload(api, component_id, b"not really an image", "thumbnail.png")
    url = ftrack_server.url + "/component/thumbnail"
    for params in ({}, {"size": "300"}):
        response = get(url, id=component_id, **credentials, **params)
        assert response.status_code == 200
        assert response.content == b"not really an image"
    _error(get(url, id=component_id, size="big", **credentials), 400, "ValidationError")
    _error(get(url, id=new_id(), **credentials), 404, "NotFoundError")


def test_thumbnails_are_scaled_to_fit_when_pillow_is_installed(api, ftrack_server, credentials):
    image_module = pytest.importorskip("PIL.Image")
    picture = io.BytesIO()
    image_module.new("RGB", (200, 100), (0, 128, 255)).save(picture, format="PNG")
    component_id = new_id()
    upload(api, component_id, picture.getvalue(), "picture.png")
    response = get(
        ftrack_server.url + "/component/thumbnail", id=component_id, size="10", **credentials
    )
    assert response.headers["content-type"] == "image/png"
    with image_module.open(io.BytesIO(response.content)) as thumbnail:
        assert thumbnail.size == (10, 5)


def test_the_placeholder_thumbnail_is_a_png(ftrack_server):
    response = requests.get(ftrack_server.url + "/img/thumbnail2.png", timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_widget_url_opens_a_page_without_credentials(api):
    (user,) = api.query("select id from User where username is admin")
    (result,) = api.ok(
        [
            {
                "action": "get_widget_url",
                "name": "info",
                "theme": "dark",
                "entity_type": "User",
                "entity_key": [user["id"]],
            }
        ]
    )
    url = result["widget_url"]
    response = requests.get(url, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "info" in response.text and user["id"] in response.text
    # The token covers what the page shows: another entity needs another URL.
    response = requests.get(url.replace(user["id"], new_id()), timeout=60)
    _error(response, 403, "PermissionError")
