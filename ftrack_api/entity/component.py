"""Components (files, sequences, containers) and thumbnails."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import ftrack_api.entity.base
import ftrack_api.symbol


class Component(ftrack_api.entity.base.Entity):
    """A component: a file, a file sequence or a container of components."""

    def get_availability(self, locations: Optional[Sequence[Any]] = None) -> Dict[str, float]:
        """Percentage (0-100) of this component's data in each location, by location id.

        ``locations`` limits the answer to those locations (default: all of them).
        """
        return self.session.get_component_availability(self, locations=locations)


class CreateThumbnailMixin:
    """For entity types with a thumbnail: :meth:`create_thumbnail`."""

    def create_thumbnail(self, path: str, data: Optional[Dict[str, Any]] = None) -> Any:
        """Upload the image at ``path`` to the server location as this entity's thumbnail.

        The component is named ``thumbnail`` unless ``data`` names it; this entity's
        ``thumbnail_id`` is set and committed. Returns the component.
        """
        session = self.session
        data = dict(data or {})
        if not data.get("name"):
            data["name"] = "thumbnail"
        server_location = session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID)
        component = session.create_component(path, data=data, location=server_location)
        self["thumbnail_id"] = component["id"]
        session.commit()
        return component
