"""Asset versions: publishing components and encoding media for review."""

from __future__ import annotations

from typing import Any, Dict, Optional

import ftrack_api.entity.base


class AssetVersion(ftrack_api.entity.base.Entity):
    """A version of an asset."""

    def create_component(
        self, path: str, data: Optional[Dict[str, Any]] = None, location: Any = None
    ) -> Any:
        """Create a component of this version from ``path`` (see Session.create_component)."""
        data = dict(data or {})
        data.setdefault("version_id", self["id"])
        return self.session.create_component(path, data=data, location=location)

    def encode_media(self, media: Any, keep_original: Any = "auto") -> Any:
        """Encode ``media`` for review on the server and attach the results to this version."""
        return self.session.encode_media(media, version_id=self["id"], keep_original=keep_original)
