"""Speak the wire protocol to the local server directly, as a client would."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import requests


class Api:
    def __init__(self, url: str, user: str, key: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers.update({"ftrack-user": user, "ftrack-api-key": key})

    def post(self, operations: Any, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + "/api", json=operations, timeout=60, **kwargs)

    def call(self, operations: List[Dict[str, Any]]) -> Any:
        return self.post(operations).json()

    def ok(self, operations: List[Dict[str, Any]]) -> List[Any]:
        body = self.call(operations)
        assert isinstance(body, list), body
        return body

    def query(self, expression: str) -> List[Dict[str, Any]]:
        return self.ok([{"action": "query", "expression": expression}])[0]["data"]


def ref(entity_type: str, entity_id: str) -> Dict[str, str]:
    return {"__entity_type__": entity_type, "id": entity_id}


def create(entity_type: str, **data: Any) -> Dict[str, Any]:
    data.setdefault("id", str(uuid.uuid4()))
    data["__entity_type__"] = entity_type
    return {
        "action": "create",
        "entity_type": entity_type,
        "entity_key": [data["id"]],
        "entity_data": data,
    }
