"""Scenario for the ORIGINAL client: publish files to the server location and read them back.

Runs under the original ftrack-python-api (see tests/compat/conftest.py) with the
FTRACK_* environment pointing at our server; prints one JSON object of findings.
Argument: a scratch directory for the files it publishes and downloads.
"""

import hashlib
import json
import os
import sys
import uuid

import requests

import ftrack_api
import ftrack_api.symbol

# A 1x1 PNG, enough to publish as a thumbnail.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b2b7"
    "5a0000000049454e44ae426082"
)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def main():
    scratch = sys.argv[1]
    findings = {}
    session = ftrack_api.Session()
    server_location = session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID)
    findings["server_location_name"] = server_location["name"]
    findings["accessor"] = type(server_location.accessor).__name__

    schema = session.query('ProjectSchema where name is "VFX Scheme"').first()
    name = "publish_" + uuid.uuid4().hex[:8]
    project = session.create(
        "Project", {"name": name, "full_name": name, "project_schema": schema}
    )
    asset_type = session.query("AssetType").first()
    asset = session.create("Asset", {"name": "plate", "parent": project, "type": asset_type})
    version = session.create("AssetVersion", {"asset": asset})
    session.commit()

    # A file of a few MiB with a non-repeating pattern.
    payload = b"".join(hashlib.sha256(str(index).encode()).digest() for index in range(100000))
    source = os.path.join(scratch, "plate.exr")
    with open(source, "wb") as stream:
        stream.write(payload)
    findings["source_size"] = len(payload)
    findings["source_digest"] = digest(payload)

    component = version.create_component(source, data={"name": "main"}, location=server_location)
    session.commit()
    component_id = component["id"]
    findings["component_type"] = component.entity_type
    findings["component_size"] = component["size"]
    findings["availability"] = session.get_component_availability(component)[
        ftrack_api.symbol.SERVER_LOCATION_ID
    ]
    findings["resource_identifier_is_id"] = (
        server_location.get_resource_identifier(component) == component_id
    )

    # Download through the URL the client builds, and through the accessor.
    url = server_location.get_url(component)
    findings["url_prefix"] = url.split("?", 1)[0].rsplit("/", 2)[-2:]
    response = requests.get(url, timeout=60)
    findings["download_status"] = response.status_code
    findings["download_digest"] = digest(response.content)
    stream = server_location.accessor.open(component_id, "rb")
    findings["accessor_digest"] = digest(stream.read())
    stream.close()

    # A second session finds the component and its location entry.
    other = ftrack_api.Session()
    found = other.query(
        f'select component_locations.location_id from FileComponent where id is "{component_id}"'
    ).one()
    findings["component_locations"] = [
        entry["location_id"] for entry in found["component_locations"]
    ]
    # The computed ``url`` of the entry works without credentials.
    entry = other.query(
        f'select url from ComponentLocation where component_id is "{component_id}"'
    ).one()
    findings["computed_url_status"] = requests.get(entry["url"]["url"], timeout=60).status_code

    # Thumbnails: publish one, then fetch it through both URL forms.
    thumbnail_path = os.path.join(scratch, "thumbnail.png")
    with open(thumbnail_path, "wb") as stream:
        stream.write(PNG)
    thumbnail = version.create_thumbnail(thumbnail_path)
    session.commit()
    findings["thumbnail_linked"] = version["thumbnail_id"] == thumbnail["id"]
    thumbnail_url = server_location.get_thumbnail_url(thumbnail, size=32)
    findings["thumbnail_status"] = requests.get(thumbnail_url, timeout=60).status_code
    refreshed = other.query(
        f'select thumbnail_url from AssetVersion where id is "{version["id"]}"'
    ).one()
    response = requests.get(refreshed["thumbnail_url"]["url"], timeout=60)
    findings["thumbnail_url_bytes_match"] = response.content == PNG

    # A widget URL opens without credentials.
    widget_url = session.get_widget_url("info", entity=version, theme="dark")
    findings["widget_status"] = requests.get(widget_url, timeout=60).status_code

    # The server has no encoder installed: encode_media reports it.
    try:
        session.encode_media(component, keep_original=True)
        findings["encode_error"] = None
    except ftrack_api.exception.ServerError as error:
        findings["encode_error"] = str(error)

    # Remove: the data is gone and the location no longer lists the component.
    server_location.remove_component(component)
    findings["download_after_remove"] = requests.get(url, timeout=60).status_code
    findings["availability_after_remove"] = session.get_component_availability(component)[
        ftrack_api.symbol.SERVER_LOCATION_ID
    ]
    check = ftrack_api.Session()
    findings["locations_after_remove"] = len(
        check.query(f'ComponentLocation where component_id is "{component_id}"').all()
    )

    session.delete(project)
    session.commit()
    for current in (session, other, check):
        current.close()
    print(json.dumps(findings))


if __name__ == "__main__":
    sys.exit(main())
