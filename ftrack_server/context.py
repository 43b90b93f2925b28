"""What one API request knows about who asks and where the server lives."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from ftrack_server.storage.values import utc_now


def _no_url(_component_id: str) -> Optional[str]:
    return None


@dataclass
class RequestContext:
    """Per-request facts shared by the query engine and the writers.

    ``thumbnail_url`` and ``component_url`` build absolute URLs for computed
    attributes; ``changes`` collects change records of committed writes (for
    ``ftrack.update`` events); ``client_token`` and ``push_token`` echo the
    request's ``ftrack-clienttoken`` / ``ftrack-pushtoken`` headers into those events;
    ``on_commit`` holds work to start once the batch committed (an encoding job), run
    by ``LocalServer.after_commit``.
    """

    user_id: str
    username: str
    base_url: str = "http://127.0.0.1"
    now: _dt.datetime = field(default_factory=utc_now)
    thumbnail_url: Callable[[str], Optional[str]] = _no_url
    component_url: Callable[[str], Optional[str]] = _no_url
    denormalize: bool = False
    changes: List[Dict[str, Any]] = field(default_factory=list)
    on_commit: List[Callable[[], None]] = field(default_factory=list)
    #: Ordered keys of paged queries (ftrack_server.query.pages), when reads may use it.
    page_keys: Optional[Any] = None
    #: Whether writers collect change records (only useful while hub clients listen).
    record_changes: bool = True
    client_token: Optional[str] = None
    push_token: Optional[str] = None
