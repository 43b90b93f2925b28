"""A structure that keeps data where it already is (used by unmanaged locations)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ftrack_api.structure.base import Structure


class OriginStructure(Structure):
    """Reuse the resource identifier the data has in its source location.

    The location passes it as ``context['source_resource_identifier']``; the prefix is not used.
    """

    def get_resource_identifier(
        self, entity: Any, context: Optional[Mapping[str, Any]] = None
    ) -> str:
        """Return the source resource identifier from *context*.

        Raise :exc:`ValueError` when *context* does not provide one.
        """
        resource_identifier = (context or {}).get("source_resource_identifier")
        if resource_identifier is None:
            raise ValueError(
                "Could not generate resource identifier as no source resource identifier "
                "found in passed context."
            )
        return resource_identifier
