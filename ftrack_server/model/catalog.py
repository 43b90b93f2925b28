"""Build the entity model from the served schemas and the overlay.

``load_model()`` returns the process-wide :class:`Model`: every entity type with its
attributes resolved to storage (columns, relations, computed rules), the storage
tables they imply, and the schema document exactly as ``query_schemas`` serves it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ftrack_server.model import overlay
from ftrack_server.model.types import (
    NO_DEFAULT,
    Attribute,
    Computed,
    EntityType,
    ForeignKey,
    Inverse,
    Kind,
)

SCHEMAS_PATH = Path(__file__).with_name("schemas.json")


class ModelError(Exception):
    """The schemas and the overlay do not describe a consistent model."""


@dataclass
class Table:
    """A storage table: its columns (name -> data type) and primary key."""

    name: str
    columns: Dict[str, str] = field(default_factory=dict)
    primary_key: Tuple[str, ...] = ()
    autoincrement: bool = False


@dataclass
class Model:
    """The whole entity model; shared read-only once built."""

    schemas: List[Dict[str, Any]]
    schema_hash: str
    types: Dict[str, EntityType]
    tables: Dict[str, Table]

    def entity_type(self, name: str) -> Optional[EntityType]:
        return self.types.get(name)

    def concrete_type(self, entity_type: EntityType, row: Any) -> str:
        """Return the most specific member of ``entity_type`` that ``row`` belongs to."""
        current = entity_type.name
        for parent, column, mapping in entity_type.discriminators:
            if current != parent:
                break
            child = mapping.get(row[column])
            if child is None:
                break
            current = child
        return current


def schema_hash(schemas: List[Dict[str, Any]]) -> str:
    """The md5 of the schema list as Python's ``json.dumps(sort_keys=True)`` spells it."""
    return hashlib.md5(json.dumps(schemas, sort_keys=True).encode("ascii")).hexdigest()


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@functools.cache
def load_model() -> Model:
    """Return the model built from the bundled schemas (built once per process)."""
    with SCHEMAS_PATH.open(encoding="utf-8") as handle:
        schemas = json.load(handle)
    return build_model(schemas)


def build_model(schemas: List[Dict[str, Any]]) -> Model:
    """Build a :class:`Model` from a schema list and the overlay."""
    return _Builder(schemas).build()


class _Builder:
    def __init__(self, schemas: List[Dict[str, Any]]) -> None:
        self.schemas = schemas
        self.by_name = {schema["id"]: schema for schema in schemas}
        self.families = {table: dict(types) for table, types in overlay.FAMILIES.items()}
        self.bases = dict(overlay.BASES)
        self._add_classified_members()
        self._add_link_variants()
        self.table_of: Dict[str, str] = {}
        for table, types in self.families.items():
            for name in types:
                self.table_of[name] = table
        self.conditions: Dict[str, Tuple[Tuple[str, Any], ...]] = {}
        for types in self.families.values():
            self.conditions.update(types)

    # -- families ------------------------------------------------------------------------

    def _add_classified_members(self) -> None:
        """Members selected by a classifier column (``alias_for`` objects)."""
        typed_context_members = ["TypedContext"]
        for schema in self.schemas:
            alias = schema.get("alias_for")
            if not isinstance(alias, dict):
                continue
            (storage_column, value), *_ = alias["classifiers"].items()
            column = self._client_name(schema, storage_column)
            if alias["id"] == "Task":
                self.families["context"][schema["id"]] = (
                    ("context_type", "task"),
                    (column, value),
                )
                self.bases[schema["id"]] = "TypedContext"
                typed_context_members.append(schema["id"])
            elif alias["id"] == "List":
                self.families["list"][schema["id"]] = ((column, value),)
                self.bases[schema["id"]] = "List"
            else:
                raise ModelError(f"unknown classified family {alias['id']} of {schema['id']}")
        self.families["status_change"]["TypedContextStatusChange"] = (
            ("parent_type", tuple(typed_context_members)),
        )

    def _add_link_variants(self) -> None:
        family = self.families["custom_attribute_link"]
        for prefix in overlay.LINK_VARIANTS:
            names = self._member_names_by_base(prefix)
            for suffix, column in (
                ("CustomAttributeLink", "to"),
                ("CustomAttributeLinkFrom", "from"),
            ):
                name = prefix + suffix
                if name in self.by_name:
                    family[name] = ((f"{column}_entity_type", names),)
                    self.bases[name] = suffix

    def _member_names_by_base(self, base: str) -> Tuple[str, ...]:
        names = [base]
        changed = True
        while changed:
            changed = False
            for name, parent in self.bases.items():
                if parent in names and name not in names:
                    names.append(name)
                    changed = True
        return tuple(names)

    def _ancestry(self, name: str) -> List[str]:
        chain = [name]
        while chain[-1] in self.bases:
            chain.append(self.bases[chain[-1]])
        return chain

    # -- build ---------------------------------------------------------------------------

    def build(self) -> Model:
        types = {}
        for schema in self.schemas:
            types[schema["id"]] = self._entity_type(schema)
        for entity_type in types.values():
            self._resolve_relations(entity_type, types)
        for entity_type in types.values():
            self._set_members(entity_type, types)
        tables = self._tables(types)
        return Model(
            schemas=self.schemas,
            schema_hash=schema_hash(self.schemas),
            types=types,
            tables=tables,
        )

    def _client_name(self, schema: Dict[str, Any], storage_name: str) -> Optional[str]:
        properties = schema["properties"]
        if storage_name in properties and "alias_for" not in properties[storage_name]:
            return storage_name
        for candidate in (storage_name, storage_name.lstrip("_")):
            for name, prop in sorted(properties.items()):
                if prop.get("alias_for") == candidate:
                    return name
        if storage_name in properties:
            return storage_name
        return None

    def _entity_type(self, schema: Dict[str, Any]) -> EntityType:
        name = schema["id"]
        properties = schema["properties"]
        computed = set(schema.get("computed", ()))
        required = set(schema.get("required", ()))
        immutable = set(schema.get("immutable", ()))
        columns = self._column_names(properties)
        attributes = {}
        for attr_name, prop in properties.items():
            attribute = self._attribute(attr_name, prop, columns)
            attribute.required = attr_name in required
            attribute.immutable = attr_name in immutable
            attribute.computed = attr_name in computed or isinstance(attribute.relation, Computed)
            attributes[attr_name] = attribute
        system = []
        for storage_name in schema.get("system_projections", ()):
            client = self._client_name(schema, storage_name)
            if client is not None and client not in system:
                system.append(client)
        conditions = self.conditions.get(name, ())
        fixed = {column: value for column, value in conditions if not isinstance(value, tuple)}
        fixed.update(overlay.CREATE_VALUES.get(name, {}))
        return EntityType(
            name=name,
            schema=schema,
            table=self.table_of.get(name) or overlay.TABLE_NAMES.get(name) or snake_case(name),
            primary_key=tuple(schema["primary_key"]),
            attributes=attributes,
            default_projections=tuple(schema["default_projections"]),
            system_projections=tuple(system),
            conditions=conditions,
            base=self.bases.get(name),
            fixed_values=fixed,
        )

    @staticmethod
    def _column_names(properties: Dict[str, Any]) -> Dict[str, str]:
        """Map each attribute to its column; attributes sharing storage share a column."""
        by_storage: Dict[str, List[str]] = {}
        for attr_name, prop in properties.items():
            by_storage.setdefault(prop.get("alias_for", attr_name), []).append(attr_name)
        columns = {}
        for names in by_storage.values():
            canonical = sorted(names, key=lambda item: (item.startswith("_"), item))[0]
            for attr_name in names:
                columns[attr_name] = canonical
        return columns

    def _attribute(self, name: str, prop: Dict[str, Any], columns: Dict[str, str]) -> Attribute:
        prop_type = prop.get("type")
        restricted = bool(prop.get("restricted_projection"))
        if prop_type in ("array", "mapped_array"):
            kind = Kind.MAPPED if prop_type == "mapped_array" else Kind.COLLECTION
            return Attribute(name, kind, target=prop["items"]["$ref"], restricted=restricted)
        if prop_type is None and "$ref" in prop:
            return Attribute(name, Kind.REFERENCE, target=prop["$ref"])
        if prop.get("format") == "date-time":
            data_type = "datetime"
        elif prop.get("format") == "json":
            data_type = "json"
        else:
            data_type = prop_type or "string"
        rule = overlay.COMPUTED.get(name)
        attribute = Attribute(
            name,
            Kind.SCALAR,
            data_type=data_type,
            column=None if rule or data_type == "object" else columns[name],
            relation=Computed(rule) if rule else None,
            default=prop.get("default", NO_DEFAULT),
            transform="transform" in prop,
            enum=tuple(prop["enum"]) if "enum" in prop else None,
        )
        return attribute

    # -- relations -----------------------------------------------------------------------

    def _overlay_relation(self, type_name: str, attr_name: str) -> Any:
        for name in self._ancestry(type_name):
            relation = overlay.RELATIONS.get((name, attr_name))
            if relation is not None:
                return relation
        return overlay.RELATIONS.get(("*", attr_name))

    def _resolve_relations(self, entity_type: EntityType, types: Dict[str, EntityType]) -> None:
        for attribute in entity_type.attributes.values():
            if attribute.kind is Kind.SCALAR:
                continue
            relation = self._overlay_relation(entity_type.name, attribute.name)
            # A ``<name>_id`` column wins over the link-variant rule, which only
            # covers the reference to the linked entity (``user``, ``context``, ...).
            if relation is None and attribute.kind is Kind.REFERENCE:
                relation = self._guess_reference(entity_type, attribute)
            if relation is None and attribute.kind is Kind.REFERENCE:
                relation = self._link_variant_reference(entity_type.name, attribute)
            if relation is None and attribute.is_collection:
                relation = self._guess_collection(entity_type, attribute, types)
            if relation is None:
                raise ModelError(f"cannot tell how {entity_type.name}.{attribute.name} is stored")
            if isinstance(relation, ForeignKey):
                target = types[attribute.target]
                if relation.target_columns == ("id",) and target.primary_key != ("id",):
                    relation = ForeignKey(relation.columns, target.primary_key)
            if isinstance(relation, Computed):
                attribute.computed = True
            attribute.relation = relation

    def _link_variant_reference(self, type_name: str, attribute: Attribute) -> Any:
        base = self.bases.get(type_name)
        if base == "CustomAttributeLink":
            return ForeignKey(("to_id",))
        if base == "CustomAttributeLinkFrom":
            return ForeignKey(("from_id",))
        return None

    def _guess_reference(self, entity_type: EntityType, attribute: Attribute) -> Any:
        properties = entity_type.schema["properties"]
        candidate = attribute.name + "_id"
        if candidate in entity_type.attributes and entity_type.attributes[candidate].is_stored:
            return ForeignKey((candidate,))
        storage = properties[attribute.name].get("alias_for", attribute.name)
        for name, prop in sorted(properties.items()):
            if prop.get("alias_for") == storage + "id" and entity_type.attributes[name].is_stored:
                return ForeignKey((name,))
        return None

    def _guess_collection(
        self, entity_type: EntityType, attribute: Attribute, types: Dict[str, EntityType]
    ) -> Any:
        item = types[attribute.target]
        owners = set(self._ancestry(entity_type.name))
        candidates = []
        for name, prop in item.schema["properties"].items():
            description = prop.get("description", "")
            if not description.startswith("Foreign key(s):"):
                continue
            target = description.split(":", 1)[1].strip().split(".")[0]
            if target in owners:
                candidates.append(name)
        if len(candidates) == 1:
            return Inverse((candidates[0],))
        return None

    def _set_members(self, entity_type: EntityType, types: Dict[str, EntityType]) -> None:
        members = self._member_names_by_base(entity_type.name)
        entity_type.members = members
        if len(members) == 1:
            return
        # Discriminators resolve a row to a member, level by level from this type.
        entity_type.discriminators = self._discriminators(entity_type.name, members)

    def _discriminators(self, name: str, members: Tuple[str, ...]) -> Tuple[Any, ...]:
        levels = []
        current = name
        while True:
            children = [member for member, base in self.bases.items() if base == current]
            if not children:
                break
            own = set(self.conditions.get(current, ()))
            column = None
            mapping: Dict[Any, str] = {}
            for child in children:
                extra = [cond for cond in self.conditions.get(child, ()) if cond not in own]
                if len(extra) != 1:
                    raise ModelError(f"{child} is not selected by exactly one column")
                child_column, value = extra[0]
                if column not in (None, child_column):
                    raise ModelError(f"members of {current} use several discriminators")
                column = child_column
                for single in value if isinstance(value, tuple) else (value,):
                    mapping.setdefault(single, child)
            levels.append((current, column, mapping))
            # Only one level continues: the member that has members itself.
            nested = [child for child in children if any(b == child for b in self.bases.values())]
            if len(nested) != 1:
                break
            current = nested[0]
        return tuple(levels)

    # -- tables --------------------------------------------------------------------------

    def _tables(self, types: Dict[str, EntityType]) -> Dict[str, Table]:
        tables: Dict[str, Table] = {}
        for entity_type in types.values():
            table = tables.setdefault(entity_type.table, Table(entity_type.table))
            if not table.primary_key:
                table.primary_key = entity_type.primary_key
            for attribute in entity_type.attributes.values():
                if attribute.is_stored:
                    existing = table.columns.get(attribute.column)
                    if existing not in (None, attribute.data_type):
                        raise ModelError(
                            f"column {table.name}.{attribute.column} is both "
                            f"{existing} and {attribute.data_type}"
                        )
                    table.columns[attribute.column] = attribute.data_type
            for column, _value in entity_type.conditions:
                table.columns.setdefault(column, "string")
        for table_name, hidden in overlay.HIDDEN_COLUMNS.items():
            if table_name in tables:
                tables[table_name].columns.update(hidden)
        if "social_event" in tables:
            tables["social_event"].autoincrement = True
        for table_name, (left, right) in overlay.LINK_TABLES.items():
            tables[table_name] = Table(
                table_name, {left: "string", right: "string"}, (left, right)
            )
        tables[overlay.CLOSURE_TABLE] = Table(
            overlay.CLOSURE_TABLE,
            {"ancestor_id": "string", "descendant_id": "string", "depth": "integer"},
            ("ancestor_id", "descendant_id"),
        )
        return tables


def iter_stored(entity_type: EntityType) -> Iterable[Attribute]:
    """Attributes of ``entity_type`` held in its table's columns."""
    return (attribute for attribute in entity_type.attributes.values() if attribute.is_stored)
