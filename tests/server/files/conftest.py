"""Fixtures and helpers for the file transfer tests: an API client and upload helpers."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any, Dict, Optional

import pytest
import requests

from tests.server.api.wire import Api

SERVER_LOCATION_ID = "3a372bde-05bc-11e4-8908-20c9d081909b"


@pytest.fixture
def api(ftrack_server) -> Api:
    return Api(ftrack_server.url, ftrack_server.api_user, ftrack_server.api_key)


@pytest.fixture
def credentials(ftrack_server) -> Dict[str, str]:
    """The query spelling of component URLs (protocol.md 2.4)."""
    return {"username": ftrack_server.api_user, "apiKey": ftrack_server.api_key}


def md5_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def new_id() -> str:
    return str(uuid.uuid4())


def upload_metadata(
    api: Api,
    component_id: str,
    file_name: str = "data.bin",
    size: int = 0,
    checksum: Optional[str] = None,
    parts: Optional[int] = None,
) -> Dict[str, Any]:
    operation = {
        "action": "get_upload_metadata",
        "component_id": component_id,
        "file_name": file_name,
        "file_size": size,
        "checksum": checksum,
    }
    if parts is not None:
        operation["parts"] = parts
    return api.ok([operation])[0]


def upload(api: Api, component_id: str, data: bytes, file_name: str = "data.bin") -> None:
    """Upload ``data`` the way the Python client does: metadata, then one PUT."""
    metadata = upload_metadata(api, component_id, file_name, len(data), md5_base64(data))
    response = requests.put(metadata["url"], data=data, headers=metadata["headers"], timeout=60)
    assert response.status_code == 200, response.text


def get(url: str, **params: Any) -> requests.Response:
    return requests.get(url, params=params, timeout=60)
