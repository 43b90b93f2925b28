"""A structure that spreads data over directories named after the component id.

The first four characters of the id each become a directory level and the rest names the
file, which keeps any one directory small: ``a/b/c/d/ef12-...-7890.png``.
"""

from __future__ import annotations

import posixpath
from typing import Any, List, Mapping, Optional

from ftrack_api.structure.base import Structure, _file_type
from ftrack_api.symbol import NOT_SET


class IdStructure(Structure):
    """Name component data by component id, below the optional *prefix*.

    * file component: ``{prefix}/a/b/c/d/{rest of id}{file_type}``;
    * sequence component: ``{prefix}/a/b/c/d/{rest of id}/file.%04d{file_type}``;
    * container component: ``{prefix}/a/b/c/d/{rest of id}`` (a directory);
    * member of a sequence: the sequence's directory and ``file.{name}{file_type}``;
    * member of another container: the container's identifier and ``{id}{file_type}``.
    """

    def get_resource_identifier(
        self, entity: Any, context: Optional[Mapping[str, Any]] = None
    ) -> str:
        """Return the resource identifier for the component *entity*.

        Raise :exc:`NotImplementedError` for anything but file, sequence and container
        components.
        """
        entity_type = entity.entity_type
        if entity_type == "SequenceComponent":
            expression = self._get_sequence_expression(entity)
            file_name = f"file.{expression}{_file_type(entity)}"
            return self._join([*self._id_parts(entity), file_name])

        if entity_type == "ContainerComponent":
            return self._join(self._id_parts(entity))

        if entity_type == "FileComponent":
            container = entity["container"]
            if container is None or container is NOT_SET:
                parts = self._id_parts(entity)
                parts[-1] += _file_type(entity)
                return self._join(parts)

            container_path = self.get_resource_identifier(container)
            if container.entity_type == "SequenceComponent":
                file_name = f"file.{entity['name']}{_file_type(entity)}"
                return self._join([posixpath.dirname(container_path), file_name])
            return self._join([container_path, entity["id"] + _file_type(entity)])

        raise NotImplementedError(f"Cannot generate path for unsupported entity {entity!r}")

    def _id_parts(self, entity: Any) -> List[str]:
        """Return the prefix, one part per leading id character and the rest of the id."""
        entity_id = entity["id"]
        return [self.prefix, *entity_id[:4], entity_id[4:]]

    def _join(self, parts: List[str]) -> str:
        """Join *parts* with the path separator, without leading or trailing separators."""
        return self.path_separator.join(parts).strip(self.path_separator)
