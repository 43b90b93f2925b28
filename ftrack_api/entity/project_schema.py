"""Project schemas: which statuses and types each kind of object may use."""

from __future__ import annotations

from typing import Any, List, Optional

import ftrack_api.entity.base


class ProjectSchema(ftrack_api.entity.base.Entity):
    """A project schema, with lookups of its workflows and type sets."""

    def get_statuses(self, schema: str, type_id: Optional[str] = None) -> List[Any]:
        """The statuses objects of ``schema`` (an object type name) may have.

        ``Task`` uses the task workflow, or the override for ``type_id`` when one
        exists; ``AssetVersion`` the version workflow; other object types their own
        schema's statuses. ValueError when the schema has none for ``schema``.
        """
        if schema == "Task":
            if type_id is not None:
                for override in self["_overrides"]:
                    if override["type_id"] == type_id:
                        return list(override["workflow_schema"]["statuses"])
            return list(self["_task_workflow"]["statuses"])
        if schema == "AssetVersion":
            return list(self["_version_workflow"]["statuses"])
        object_schema = self._object_type_schema(schema)
        result = self.session.query(
            f"select task_status from SchemaStatus where schema_id is {object_schema['id']}"
        )
        return [item["task_status"] for item in result]

    def get_types(self, schema: str) -> List[Any]:
        """The types objects of ``schema`` (an object type name) may have."""
        if schema == "Task":
            return list(self["_task_type_schema"]["types"])
        object_schema = self._object_type_schema(schema)
        result = self.session.query(
            f"select task_type from SchemaType where schema_id is {object_schema['id']}"
        )
        return [item["task_type"] for item in result]

    def _object_type_schema(self, schema: str) -> Any:
        object_type = self.session.query(f'ObjectType where name is "{schema}"').first()
        if object_type is not None:
            for candidate in self["_schemas"]:
                if candidate["type_id"] == object_type["id"]:
                    return candidate
        raise ValueError(f"No schema found matching {schema}")
