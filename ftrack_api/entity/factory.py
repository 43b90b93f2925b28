"""Build entity classes from the server's schemas.

:class:`Factory` turns one schema into a class deriving from
:class:`~ftrack_api.entity.base.Entity` with one attribute object per property.
:class:`StandardFactory` adds the behaviour the original gives particular types
(locations, components, notes, users...) and the mapped collections ``metadata`` and
``custom_attributes``. Plugins can build classes themselves by answering the
``ftrack.api.session.construct-entity-type`` event.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence

import ftrack_api.attribute
import ftrack_api.cache
import ftrack_api.entity.asset_version
import ftrack_api.entity.base
import ftrack_api.entity.component
import ftrack_api.entity.job
import ftrack_api.entity.location
import ftrack_api.entity.note
import ftrack_api.entity.project_schema
import ftrack_api.entity.user
import ftrack_api.exception
import ftrack_api.symbol
from ftrack_api.cache import Memoiser, memoise_decorator
from ftrack_api.collection import memoise_session, session_key
from ftrack_api.logging import LazyLogMessage as L

__all__ = [
    "Factory",
    "L",
    "PerSessionDefaultKeyMaker",
    "StandardFactory",
    "memoise_defaults",
    "memoise_session",
]

_SCALAR_TYPES = {
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
    "number": "float",
    "variable": "variable",
    "object": "object",
}


def _new_uid(_entity: Any) -> str:
    return str(uuid.uuid4())


class PerSessionDefaultKeyMaker(ftrack_api.cache.KeyMaker):
    """Keys default values per session (see :func:`memoise_defaults`)."""

    def _key(self, obj: Any) -> str:
        return session_key(self, obj)


#: Memoises default-value callables per session and arguments (see memoise_defaults).
_defaults_memoiser = Memoiser(key_maker=PerSessionDefaultKeyMaker(), return_copies=False)


def memoise_defaults(function: Callable) -> Callable:
    """Memoise a default-value function per session (defaults repeat across entities)."""
    return memoise_decorator(_defaults_memoiser)(function)


class Factory:
    """Build an entity class from a schema."""

    def __init__(self) -> None:
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)

    def create(self, schema: Dict[str, Any], bases: Optional[Sequence[type]] = None) -> type:
        """Return a new entity class for ``schema`` deriving from ``bases``."""
        class_name = schema["id"]
        class_bases = list(bases or ())
        if not any(
            isinstance(base, type) and issubclass(base, ftrack_api.entity.base.Entity)
            for base in class_bases
        ):
            class_bases.insert(0, ftrack_api.entity.base.Entity)
        immutable = set(schema.get("immutable", ()))
        computed = set(schema.get("computed", ()))
        attributes = ftrack_api.attribute.Attributes()
        for name, fragment in schema.get("properties", {}).items():
            mutable = name not in immutable
            attribute = None
            if fragment.get("restricted_projection"):
                continue
            data_type = fragment.get("type")
            if data_type in _SCALAR_TYPES:
                kind = _SCALAR_TYPES[data_type]
                if data_type == "string" and fragment.get("format") == "date-time":
                    kind = "datetime"
                default = fragment.get("default", ftrack_api.symbol.NOT_SET)
                if default == "{uid}":
                    default = _new_uid
                attribute = self.create_scalar_attribute(
                    class_name, name, mutable, name in computed, default, kind
                )
            elif data_type == "array":
                attribute = self.create_collection_attribute(class_name, name, mutable)
            elif data_type == "mapped_array":
                reference = fragment.get("items", {}).get("$ref")
                if reference is None:
                    self.logger.debug(
                        L("Skipping {0}.{1}: mapped array without $ref.", class_name, name)
                    )
                    continue
                attribute = self.create_mapped_collection_attribute(
                    class_name, name, mutable, reference
                )
            elif data_type is None and "$ref" in fragment:
                attribute = self.create_reference_attribute(
                    class_name, name, mutable, fragment["$ref"]
                )
            if attribute is None:
                self.logger.debug(
                    L("Skipping {0}.{1}: unsupported property {2!r}.", class_name, name, fragment)
                )
                continue
            attributes.add(attribute)
        namespace = {
            "entity_type": class_name,
            "attributes": attributes,
            "_attribute_index": attributes._data,
            "_repeated_values": _repeated_value_names(attributes),
            "primary_key_attributes": list(schema["primary_key"]),
            "default_projections": list(schema.get("default_projections", ())),
        }
        return ftrack_api.entity.base.DynamicEntityTypeMetaclass(
            str(class_name), tuple(class_bases), namespace
        )

    def create_scalar_attribute(
        self,
        class_name: str,
        name: str,
        mutable: bool,
        computed: bool,
        default: Any,
        data_type: str,
    ) -> ftrack_api.attribute.ScalarAttribute:
        return ftrack_api.attribute.ScalarAttribute(
            name, data_type=data_type, default_value=default, mutable=mutable, computed=computed
        )

    def create_reference_attribute(
        self, class_name: str, name: str, mutable: bool, reference: str
    ) -> ftrack_api.attribute.ReferenceAttribute:
        return ftrack_api.attribute.ReferenceAttribute(name, reference, mutable=mutable)

    def create_collection_attribute(
        self, class_name: str, name: str, mutable: bool
    ) -> ftrack_api.attribute.CollectionAttribute:
        return ftrack_api.attribute.CollectionAttribute(name, mutable=mutable)

    def create_mapped_collection_attribute(
        self, class_name: str, name: str, mutable: bool, reference: str
    ) -> Optional[ftrack_api.attribute.Attribute]:
        """Plain factories know no mapped collections; see :class:`StandardFactory`."""
        self.logger.debug(
            L("Skipping mapped collection {0}.{1} of {2}.", class_name, name, reference)
        )
        return None


#: Scalars whose values many entities share (types, kinds), beyond foreign keys.
_KIND_NAMES = frozenset(
    ("context_type", "system_type", "resource_type", "parent_type", "entity_type", "file_type")
)


def _repeated_value_names(attributes: ftrack_api.attribute.Attributes) -> frozenset:
    """Attributes whose text values repeat across entities (foreign keys, kinds).

    Decoding stores one copy of each such value instead of one per entity.
    """
    return frozenset(
        attribute.name
        for attribute in attributes
        if isinstance(attribute, ftrack_api.attribute.ScalarAttribute)
        and attribute.data_type == "string"
        and (attribute.name.endswith("_id") or attribute.name in _KIND_NAMES)
    )


def _metadata_creator(proxy: Any, key: str, value: Any) -> Any:
    """Create the Metadata entity holding ``key`` and ``value`` for the proxy's owner."""
    owner = proxy.collection.entity
    return owner.session.create(
        "Metadata",
        {"parent_id": owner["id"], "parent_type": owner.entity_type, "key": key, "value": value},
    )


def _custom_attribute_creator(reference: str) -> Callable[[Any, str], Any]:
    def create(proxy: Any, key: str, value: Any) -> Any:
        """Make the value entity for ``key`` of a not yet committed entity.

        Committed entities get every applicable value from the server (the list is
        dense), so a missing key there is an unknown key.
        """
        owner = proxy.collection.entity
        session = owner.session
        if not owner._new:
            raise KeyError(key)
        configuration = session._custom_attribute_configuration(owner, key)
        if configuration is None:
            raise KeyError(key)
        item = session.create(
            reference,
            {"configuration_id": configuration["id"], "entity_id": owner["id"]},
            reconstructing=True,
        )
        item._remote.set("key", key)
        item["value"] = value
        return item

    return create


class StandardFactory(Factory):
    """The factory sessions use: adds the original's per-type behaviour."""

    _BASES_BY_TYPE = {
        "ProjectSchema": ftrack_api.entity.project_schema.ProjectSchema,
        "Location": ftrack_api.entity.location.Location,
        "AssetVersion": ftrack_api.entity.asset_version.AssetVersion,
        "Note": ftrack_api.entity.note.Note,
        "Job": ftrack_api.entity.job.Job,
        "User": ftrack_api.entity.user.User,
    }

    def create(self, schema: Dict[str, Any], bases: Optional[Sequence[type]] = None) -> type:
        class_bases: List[type] = list(bases or ())
        name = schema["id"]
        special = self._BASES_BY_TYPE.get(name)
        if special is None and name.endswith("Component"):
            special = ftrack_api.entity.component.Component
        class_bases.append(special or ftrack_api.entity.base.Entity)
        properties = schema.get("properties", {})
        if "notes" in properties:
            class_bases.append(ftrack_api.entity.note.CreateNoteMixin)
        if "thumbnail_id" in properties:
            class_bases.append(ftrack_api.entity.component.CreateThumbnailMixin)
        return super().create(schema, bases=class_bases)

    def create_mapped_collection_attribute(
        self, class_name: str, name: str, mutable: bool, reference: str
    ) -> Optional[ftrack_api.attribute.Attribute]:
        if reference == "Metadata":
            return ftrack_api.attribute.KeyValueMappedCollectionAttribute(
                name, _metadata_creator, "key", "value", mutable=mutable
            )
        if reference == "CustomAttributeValue":
            return ftrack_api.attribute.CustomAttributeCollectionAttribute(name, mutable=mutable)
        if reference.endswith("CustomAttributeValue"):
            return ftrack_api.attribute.KeyValueMappedCollectionAttribute(
                name, _custom_attribute_creator(reference), "key", "value", mutable=mutable
            )
        self.logger.debug(
            L("Skipping mapped collection {0}.{1} of {2}.", class_name, name, reference)
        )
        return None
