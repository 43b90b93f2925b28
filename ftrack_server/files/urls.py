"""The URLs the server hands out for component data, each signed with a token.

Token purposes, what each is bound to (its subject) and how long it lives are
decided here, so the routes that check tokens and the code that issues them agree.
"""

from __future__ import annotations

from typing import Mapping
from urllib.parse import quote, urlencode

from ftrack_server.files.tokens import TokenSigner

READ = "read"
UPLOAD = "upload"
UPLOAD_PART = "upload-part"
WIDGET = "widget"

# Read URLs end up in ``url``/``thumbnail_url`` attributes that programs keep for a
# while (an image view, a download queue); uploads of large files start late.
READ_LIFETIME = 3600
UPLOAD_LIFETIME = 3600
WIDGET_LIFETIME = 360
WIDGET_QUERY = ("theme", "entity_type", "entity_id")


def part_subject(component_id: str, upload_id: str, part_number: int) -> str:
    """What an upload-part token is bound to."""
    return f"{component_id}:{upload_id}:{part_number}"


def widget_subject(name: str, query: Mapping[str, str]) -> str:
    """What a widget token is bound to: the widget and everything it is asked to show."""
    return "|".join([name, *(f"{key}={query.get(key, '')}" for key in WIDGET_QUERY)])


def component_url(tokens: TokenSigner, base_url: str, component_id: str) -> str:
    """A download URL for ``component_id`` that works without credentials."""
    return _read_url(tokens, base_url, "/component/get", component_id)


def thumbnail_url(tokens: TokenSigner, base_url: str, component_id: str) -> str:
    """A thumbnail URL for ``component_id`` that works without credentials."""
    return _read_url(tokens, base_url, "/component/thumbnail", component_id)


def upload_url(tokens: TokenSigner, base_url: str, component_id: str) -> str:
    """A single-part upload (PUT) URL for ``component_id``."""
    token = tokens.issue(UPLOAD, component_id, UPLOAD_LIFETIME)
    return f"{base_url}/component/upload/{quote(component_id, safe='')}?" + urlencode(
        {"token": token}
    )


def part_upload_url(
    tokens: TokenSigner, base_url: str, component_id: str, upload_id: str, part_number: int
) -> str:
    """The upload (PUT) URL of one part of a multipart upload."""
    token = tokens.issue(
        UPLOAD_PART, part_subject(component_id, upload_id, part_number), UPLOAD_LIFETIME
    )
    query = {"upload_id": upload_id, "part_number": part_number, "token": token}
    return f"{base_url}/component/upload/{quote(component_id, safe='')}?" + urlencode(query)


def widget_url(tokens: TokenSigner, base_url: str, name: str, query: Mapping[str, str]) -> str:
    """A short-lived URL of the widget ``name`` showing what ``query`` names."""
    query = {key: query[key] for key in WIDGET_QUERY if query.get(key)}
    token = tokens.issue(WIDGET, widget_subject(name, query), WIDGET_LIFETIME)
    return f"{base_url}/widget/{quote(name, safe='')}?" + urlencode({**query, "token": token})


def _read_url(tokens: TokenSigner, base_url: str, path: str, component_id: str) -> str:
    token = tokens.issue(READ, component_id, READ_LIFETIME)
    return f"{base_url}{path}?" + urlencode({"id": component_id, "token": token})
