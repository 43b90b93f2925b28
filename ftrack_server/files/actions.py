"""API actions of the file transfer (protocol.md 4.9 to 4.11).

``get_upload_metadata`` answers with signed upload URLs, for a component id the
database may not know yet (clients upload before they commit the component);
``complete_multipart_upload`` joins uploaded parts; ``get_widget_url`` hands out a
short-lived widget URL; ``encode_media`` starts an encoding job (see encoding.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ftrack_server.api.actions import READ_ONLY_ACTIONS, Call, action
from ftrack_server.errors import NotFoundError, ValidationError
from ftrack_server.files import encoding, urls
from ftrack_server.files.handlers import MAX_PARTS, guess_media_type
from ftrack_server.files.store import IntegrityError, UploadNotFound

# Actions that only sign URLs never write to the database.
READ_ONLY_ACTIONS.update({"get_upload_metadata", "get_widget_url"})


def _text(operation: Dict[str, Any], name: str, *, required: bool = True) -> Optional[str]:
    value = operation.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{name!r} for action {operation.get('action')} must be a string.")
    return value


@action("get_upload_metadata")
def get_upload_metadata(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    component_id = _text(operation, "component_id")
    file_name = _text(operation, "file_name", required=False) or component_id
    parts = operation.get("parts")
    tokens, base_url = call.server.files.tokens, call.context.base_url
    if parts is None:
        headers = {"Content-Type": guess_media_type(file_name)}
        checksum = operation.get("checksum")
        if isinstance(checksum, str) and checksum:
            headers["Content-MD5"] = checksum
        return {
            "url": urls.upload_url(tokens, base_url, component_id),
            "headers": headers,
            "component_id": component_id,
        }
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= MAX_PARTS:
        raise ValidationError(f"'parts' must be null or a whole number from 1 to {MAX_PARTS}.")
    upload_id = call.server.files.start_upload(component_id)
    signed: List[dict] = [
        {
            "signed_url": urls.part_upload_url(tokens, base_url, component_id, upload_id, number),
            "part_number": number,
        }
        for number in range(1, parts + 1)
    ]
    return {"component_id": component_id, "upload_id": upload_id, "urls": signed}


@action("complete_multipart_upload")
def complete_multipart_upload(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    component_id = _text(operation, "component_id")
    upload_id = _text(operation, "upload_id")
    parts = operation.get("parts")
    if not isinstance(parts, list) or not parts:
        raise ValidationError("'parts' must be a list of {part_number, e_tag} objects.")
    pairs = []
    for part in parts:
        number = part.get("part_number") if isinstance(part, dict) else None
        e_tag = part.get("e_tag") if isinstance(part, dict) else None
        if not isinstance(number, int) or not isinstance(e_tag, str):
            raise ValidationError("Each part needs an integer part_number and a string e_tag.")
        pairs.append((number, e_tag))
    try:
        call.server.files.complete_upload(component_id, upload_id, pairs)
    except UploadNotFound as error:
        raise NotFoundError(str(error))
    except IntegrityError as error:
        raise ValidationError(f"Cannot complete upload {upload_id}: {error}")
    return {
        "action": "complete_multipart_upload",
        "component_id": component_id,
        "url": call.context.component_url(component_id),
    }


@action("get_widget_url")
def get_widget_url(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    name = _text(operation, "name")
    query = {"theme": str(operation.get("theme") or "")}
    entity_type = operation.get("entity_type")
    if entity_type:
        key = operation.get("entity_key")
        parts = key if isinstance(key, list) else [key]
        query["entity_type"] = str(entity_type)
        query["entity_id"] = ",".join(str(part) for part in parts if part is not None)
    return {
        "widget_url": urls.widget_url(call.server.files.tokens, call.context.base_url, name, query)
    }


@action("encode_media")
def encode_media(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    component_id = _text(operation, "component_id")
    version_id = _text(operation, "version_id", required=False)
    keep_original = operation.get("keep_original", True)
    job_id = encoding.start(
        call, component_id, version_id=version_id, keep_original=keep_original is not False
    )
    return {"job_id": job_id}
