"""A structure that names data by the entity id alone (used by the server location)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ftrack_api.structure.base import Structure


class EntityIdStructure(Structure):
    """Use the entity's ``id`` as its resource identifier; the prefix is not used."""

    def get_resource_identifier(
        self, entity: Any, context: Optional[Mapping[str, Any]] = None
    ) -> str:
        """Return ``entity['id']``."""
        return entity["id"]
