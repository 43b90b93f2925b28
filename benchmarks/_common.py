"""Pieces the benchmark scripts share: wire payloads and the original client's Python."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Dict, Optional

ROOT = Path(__file__).resolve().parent.parent


def reference(entity_type: str, entity_id: str) -> Dict[str, str]:
    """An entity reference as it travels on the wire."""
    return {"__entity_type__": entity_type, "id": entity_id}


def create_operation(entity_type: str, **data: Any) -> Dict[str, Any]:
    """A ``create`` operation (with a new id unless ``data`` has one)."""
    data.setdefault("id", str(uuid.uuid4()))
    data["__entity_type__"] = entity_type
    return {
        "action": "create",
        "entity_type": entity_type,
        "entity_key": [data["id"]],
        "entity_data": data,
    }


def original_python(explicit: Optional[str]) -> str:
    """An interpreter with the original ftrack-python-api installed."""
    for candidate in (
        explicit,
        os.environ.get("FTRACK_ORIGINAL_PYTHON"),
        str(ROOT / ".compat-venv" / "bin" / "python"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(
        "No interpreter with the original ftrack-python-api: pass --original, set "
        "FTRACK_ORIGINAL_PYTHON, or run the compatibility tests to create .compat-venv."
    )
