"""The entity model: types, attributes, relations and storage families.

The single source of truth for the server: ``query_schemas``, the storage tables
and the query compiler are all derived from it.
"""

from ftrack_server.model.catalog import Model, ModelError, load_model
from ftrack_server.model.types import Attribute, EntityType, Kind

__all__ = ["Attribute", "EntityType", "Kind", "Model", "ModelError", "load_model"]
