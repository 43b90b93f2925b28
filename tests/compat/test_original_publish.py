"""The original client publishes to, reads from and removes from our server location."""

import pytest

pytestmark = pytest.mark.compat

SERVER_LOCATION_ID = "3a372bde-05bc-11e4-8908-20c9d081909b"


def test_publish_scenario(original_client, tmp_path):
    findings = original_client.run("publish", str(tmp_path))

    assert findings["server_location_name"] == "ftrack.server"
    assert findings["accessor"] == "_ServerAccessor"

    # Uploaded through get_upload_metadata + PUT, then registered.
    assert findings["component_type"] == "FileComponent"
    assert findings["component_size"] == findings["source_size"] > 1024 * 1024
    assert findings["availability"] == 100.0
    assert findings["resource_identifier_is_id"]
    assert findings["component_locations"] == [SERVER_LOCATION_ID]

    # Byte-identical downloads through the client's URL and its accessor.
    assert findings["url_prefix"] == ["component", "get"]
    assert findings["download_status"] == 200
    assert findings["download_digest"] == findings["source_digest"]
    assert findings["accessor_digest"] == findings["source_digest"]
    assert findings["computed_url_status"] == 200

    assert findings["thumbnail_linked"]
    assert findings["thumbnail_status"] == 200
    assert findings["thumbnail_url_bytes_match"]
    assert findings["widget_status"] == 200
    assert "ffmpeg" in findings["encode_error"]

    assert findings["download_after_remove"] == 404
    assert findings["availability_after_remove"] == 0.0
    assert findings["locations_after_remove"] == 0
