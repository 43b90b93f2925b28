"""Component data: uploads, downloads, removal and thumbnails.

Placeholder until file transfer lands: a data directory and no routes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, List, Optional


class FileStore:
    """Where component data lives: files under the server's data directory."""

    def __init__(self, data_dir: Optional[str] = None) -> None:
        self.root = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="ftrack-data-"))
        self.root.mkdir(parents=True, exist_ok=True)


def routes(server: Any) -> List[Any]:
    """The component download, upload, removal and thumbnail routes."""
    return []
