"""The entity model's vocabulary: entity types, attributes and how they relate.

These objects are built once from the served schemas plus the overlay (see
``catalog``) and then shared read-only by storage, the query compiler, the loader
and the writers. Nothing here touches the database.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


class Kind(enum.Enum):
    """What an attribute holds."""

    SCALAR = "scalar"
    REFERENCE = "reference"
    COLLECTION = "collection"
    MAPPED = "mapped"  # a collection clients view as a key -> value mapping


class _Missing:
    """Marks an attribute without a schema default."""

    _instance: Optional[_Missing] = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __bool__(self) -> bool:
        return False


NO_DEFAULT: Any = _Missing()


# -- relations --------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignKey:
    """A reference held by local columns matching the target's primary key."""

    columns: Tuple[str, ...]
    target_columns: Tuple[str, ...] = ("id",)


@dataclass(frozen=True)
class Inverse:
    """Items whose ``columns`` hold this entity's key (optionally narrowed).

    ``where`` adds fixed column values the items must also have (appointment
    ``type``, say). Used for collections and for references held on the far side.
    """

    columns: Tuple[str, ...]
    where: Tuple[Tuple[str, Any], ...] = ()
    local_columns: Tuple[str, ...] = ("id",)


@dataclass(frozen=True)
class Through:
    """Items reached through a link table holding both keys."""

    table: str
    local: str
    remote: str
    local_key: str = "id"
    remote_key: str = "id"


@dataclass(frozen=True)
class Closure:
    """Ancestors or descendants in the context tree."""

    direction: str  # "ancestors" | "descendants"


@dataclass(frozen=True)
class Computed:
    """A value derived by the server; ``rule`` names its implementation."""

    rule: str


Relation = Any  # ForeignKey | Inverse | Through | Closure | Computed


# -- attributes and types ---------------------------------------------------------------


@dataclass(eq=False)
class Attribute:
    """One attribute of one entity type, in client terms plus its storage."""

    name: str
    kind: Kind
    data_type: str = "string"  # string integer number boolean datetime json variable object
    column: Optional[str] = None
    target: Optional[str] = None
    relation: Relation = None
    default: Any = NO_DEFAULT
    required: bool = False
    immutable: bool = False
    computed: bool = False
    restricted: bool = False
    transform: bool = False
    enum: Optional[Tuple[str, ...]] = None

    @property
    def is_stored(self) -> bool:
        """True for scalars kept in a column of the type's table."""
        return self.kind is Kind.SCALAR and self.column is not None

    @property
    def is_collection(self) -> bool:
        return self.kind in (Kind.COLLECTION, Kind.MAPPED)

    def __repr__(self) -> str:
        return f"<Attribute {self.name} {self.kind.value}>"


@dataclass(eq=False)
class EntityType:
    """An entity type: its schema facts, attributes and place in storage."""

    name: str
    schema: Dict[str, Any]
    table: str
    primary_key: Tuple[str, ...]
    attributes: Dict[str, Attribute]
    default_projections: Tuple[str, ...]
    system_projections: Tuple[str, ...]
    conditions: Tuple[Tuple[str, Any], ...] = ()
    base: Optional[str] = None
    members: Tuple[str, ...] = ()
    # (parent type, column, value -> member type), from this type downwards.
    discriminators: Tuple[Tuple[str, str, Dict[Any, str]], ...] = ()
    fixed_values: Dict[str, Any] = field(default_factory=dict)

    def attribute(self, name: str) -> Optional[Attribute]:
        return self.attributes.get(name)

    @property
    def is_polymorphic(self) -> bool:
        """True when rows of this type may be of several concrete types."""
        return len(self.members) > 1

    def __repr__(self) -> str:
        return f"<EntityType {self.name}>"
