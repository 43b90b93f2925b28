"""ftrack_api: a drop-in implementation of the ftrack Python API client.

``import ftrack_api`` loads the same modules the original does, so code that reaches
``ftrack_api.symbol.NOT_SET`` or ``ftrack_api.exception.ServerError`` without importing
those modules first keeps working.
"""

from __future__ import annotations

from typing import Optional

from ftrack_api import (
    accessor,
    attribute,
    cache,
    collection,
    data,
    entity,
    event,
    exception,
    inspection,
    logging,
    operation,
    plugin,
    query,
    session,
    structure,
    symbol,
)
from ftrack_api._version import __version__
from ftrack_api.accessor import base as _accessor_base  # noqa: F401
from ftrack_api.accessor import disk as _accessor_disk  # noqa: F401
from ftrack_api.accessor import server as _accessor_server  # noqa: F401
from ftrack_api.entity import asset_version as _entity_asset_version  # noqa: F401
from ftrack_api.entity import base as _entity_base  # noqa: F401
from ftrack_api.entity import component as _entity_component  # noqa: F401
from ftrack_api.entity import factory as _entity_factory  # noqa: F401
from ftrack_api.entity import job as _entity_job  # noqa: F401
from ftrack_api.entity import location as _entity_location  # noqa: F401
from ftrack_api.entity import note as _entity_note  # noqa: F401
from ftrack_api.entity import project_schema as _entity_project_schema  # noqa: F401
from ftrack_api.entity import user as _entity_user  # noqa: F401
from ftrack_api.event import base as _event_base  # noqa: F401
from ftrack_api.event import expression as _event_expression  # noqa: F401
from ftrack_api.event import hub as _event_hub  # noqa: F401
from ftrack_api.event import subscriber as _event_subscriber  # noqa: F401
from ftrack_api.event import subscription as _event_subscription  # noqa: F401
from ftrack_api.session import Session
from ftrack_api.structure import base as _structure_base  # noqa: F401
from ftrack_api.structure import entity_id as _structure_entity_id  # noqa: F401
from ftrack_api.structure import origin as _structure_origin  # noqa: F401
from ftrack_api.structure import standard as _structure_standard  # noqa: F401

__all__ = [
    "Session",
    "__version__",
    "accessor",
    "attribute",
    "cache",
    "collection",
    "data",
    "entity",
    "event",
    "exception",
    "inspection",
    "logging",
    "mixin",
    "operation",
    "plugin",
    "query",
    "session",
    "structure",
    "symbol",
]


def mixin(instance: object, mixin_class: type, name: Optional[str] = None) -> None:
    """Give ``instance`` the behaviour of ``mixin_class`` in addition to its own.

    The instance's class is replaced by a new class deriving from ``mixin_class``
    and the current class, named ``name`` (default: the current class's name), so
    the mixin's methods take precedence.
    """
    current = type(instance)
    if isinstance(instance, mixin_class):
        return
    derived = type(name or current.__name__, (mixin_class, current), {})
    instance.__class__ = derived
