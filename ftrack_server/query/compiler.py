"""Resolve a parsed query against the model and compile it to SQLAlchemy Core.

The compiler turns names into model attributes (with polymorphism: casts and implicit
narrowing, query-language.md 5.4) and criteria into SQL:

* a step through a reference is a LEFT OUTER JOIN in the current scope, so a missing
  reference makes everything beyond it null (6.2);
* a step through a collection is an ``EXISTS`` subquery per condition (6.3), as are
  ``has`` and ``any`` (never unknown, 8.7);
* strings compare case-insensitively with ``lower()`` on both sides (8.3), except id
  attributes (``id`` and ``*_id``), which compare exactly so that indexes apply.

The result, a :class:`CompiledQuery`, holds the root scope (FROM clause with its
joins), the WHERE clause, the ORDER BY list, paging, and either the projection tree
(:class:`Shape`) for the loader or an :class:`AggregatePlan`.

Every problem in an expression raises :class:`~ftrack_server.errors.ParseError` with
one of the message prefixes of query-language.md section 18.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ftrack_server.errors import ParseError
from ftrack_server.model import Model, load_model
from ftrack_server.model.types import (
    Attribute,
    Closure,
    Computed,
    EntityType,
    ForeignKey,
    Inverse,
    Kind,
    Through,
)
from ftrack_server.query import ast
from ftrack_server.storage import computed
from ftrack_server.storage.tables import build_metadata, default_metadata
from ftrack_server.storage.values import encode_datetime, parse_datetime

__all__ = [
    "AggregatePlan",
    "Branch",
    "CompiledQuery",
    "Scope",
    "Shape",
    "compile_query",
    "metadata_for",
    "type_condition",
]

LIKE_ESCAPE = "\\"
#: Offsets and limits are capped here so that database drivers can bind them.
LARGEST_PAGING = 2**62

_COMPARATORS = {
    "is": lambda left, right: left == right,
    "is_not": lambda left, right: left != right,
    "gt": lambda left, right: left > right,
    "lt": lambda left, right: left < right,
    "ge": lambda left, right: left >= right,
    "le": lambda left, right: left <= right,
}
_OPERATOR_TEXT = {
    "is": "is",
    "is_not": "is_not",
    "gt": ">",
    "lt": "<",
    "ge": ">=",
    "le": "<=",
    "like": "like",
    "not_like": "not_like",
}
_NUMERIC = ("integer", "number")
_TEXTUAL = ("string", "json")


# -- model helpers -------------------------------------------------------------------------

_METADATA: Dict[int, Tuple[Model, sa.MetaData]] = {}


def metadata_for(model: Model) -> sa.MetaData:
    """The SQLAlchemy tables of ``model`` (the shared default for the bundled model)."""
    entry = _METADATA.get(id(model))
    if entry is None or entry[0] is not model:
        metadata = default_metadata() if model is load_model() else build_metadata(model)
        entry = _METADATA[id(model)] = (model, metadata)
    return entry[1]


def is_id_attribute(attribute: Attribute) -> bool:
    """Ids compare exactly (case-sensitively) so that their indexes can be used."""
    return attribute.data_type == "string" and (
        attribute.name == "id" or attribute.name.endswith("_id")
    )


def _signature(attribute: Attribute) -> Tuple[Any, ...]:
    return (
        attribute.kind,
        attribute.data_type,
        attribute.column,
        attribute.target,
        attribute.relation,
    )


def top_types(model: Model, names: Sequence[str]) -> List[str]:
    """Drop names whose base is also listed (its conditions already cover them)."""
    listed = set(names)
    tops = []
    for name in names:
        base = model.types[name].base
        covered = False
        while base is not None:
            if base in listed:
                covered = True
                break
            base = model.types[base].base
        if not covered and name not in tops:
            tops.append(name)
    return tops


def type_condition(
    model: Model, alias: sa.FromClause, names: Sequence[str]
) -> Optional[sa.ColumnElement]:
    """Rows of ``alias`` belonging to one of the types ``names`` (None: no restriction)."""
    alternatives = []
    for name in top_types(model, names):
        conditions = model.types[name].conditions
        if not conditions:
            return None
        parts = [
            alias.c[column].in_(value) if isinstance(value, tuple) else alias.c[column] == value
            for column, value in conditions
        ]
        alternatives.append(sa.and_(*parts))
    if not alternatives:
        return sa.false()
    return alternatives[0] if len(alternatives) == 1 else sa.or_(*alternatives)


def _all(*conditions: Optional[sa.ColumnElement]) -> Optional[sa.ColumnElement]:
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else sa.and_(*present)


# -- portable SQL helpers ---------------------------------------------------------------------


class _IsoText(FunctionElement):
    """A date-time as ``YYYY-MM-DDTHH:MM:SS`` text (for ``like`` on date-times)."""

    type = sa.Text()
    name = "iso_text"
    inherit_cache = True


@compiles(_IsoText)
def _iso_text_default(element: _IsoText, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    return compiler.process(sa.cast(value, sa.Text), **kw)


@compiles(_IsoText, "sqlite")
def _iso_text_sqlite(element: _IsoText, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    return compiler.process(sa.func.strftime(sa.literal("%Y-%m-%dT%H:%M:%S"), value), **kw)


@compiles(_IsoText, "postgresql")
def _iso_text_postgresql(element: _IsoText, compiler: Any, **kw: Any) -> str:
    (value,) = element.clauses
    return compiler.process(sa.func.to_char(value, sa.literal('YYYY-MM-DD"T"HH24:MI:SS')), **kw)


def fold(expression: Any) -> sa.ColumnElement:
    """Case-fold an SQL expression (``lower()``, the portable choice)."""
    return sa.func.lower(expression)


def fold_value(value: str) -> Any:
    """Case-fold a literal: in Python when ASCII (same result, plain parameter)."""
    if value.isascii():
        return value.lower()
    return sa.func.lower(sa.literal(value, sa.Text))


def escape_like(text: str) -> str:
    """Escape ``text`` so that it matches itself in a LIKE pattern."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _like_pattern(pattern: str) -> str:
    """A trailing lone backslash escapes nothing: make it literal."""
    trailing = len(pattern) - len(pattern.rstrip(LIKE_ESCAPE))
    return pattern + LIKE_ESCAPE if trailing % 2 else pattern


# -- resolution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One resolved path segment.

    ``members`` narrows the owner: the attribute exists only on these member types
    (implicit narrowing, 5.4), None when the owner's declared type has it. ``target``
    is the referenced/item type after any cast; ``cast`` tells whether one was written.
    """

    attribute: Attribute
    members: Optional[Tuple[str, ...]] = None
    target: Optional[EntityType] = None
    cast: bool = False


ResolvedPath = Tuple[Step, ...]


@dataclass
class Shape:
    """Entities at one place in the result and what to project on them."""

    entity_type: EntityType
    branches: Dict[str, List[Branch]] = field(default_factory=dict)


@dataclass
class Branch:
    """One attribute projected on a :class:`Shape`.

    ``members``: the owner's concrete types the branch applies to (None: all).
    ``shape``: what to project on the referenced entity or the items.
    """

    attribute: Attribute
    members: Optional[FrozenSet[str]]
    target: Optional[EntityType] = None
    cast: bool = False
    shape: Optional[Shape] = None


@dataclass
class AggregateColumn:
    key: str
    expression: Any
    data_type: str


@dataclass
class AggregatePlan:
    columns: List[AggregateColumn]
    group_by: List[Any]


@dataclass
class CompiledQuery:
    """A query compiled against the model, ready for the loader."""

    entity_type: EntityType
    scope: Scope
    where: Optional[sa.ColumnElement]
    order_by: List[Any]
    offset: Optional[int]
    limit: Optional[int]
    shape: Optional[Shape] = None
    aggregate: Optional[AggregatePlan] = None


class Scope:
    """A FROM clause being built: a base alias plus LEFT OUTER joins for references.

    ``own`` lists the FROM objects created here; an ``EXISTS`` built on the scope
    correlates everything else to the enclosing query.
    """

    def __init__(
        self,
        compiler: Compiler,
        entity_type: EntityType,
        alias: sa.FromClause,
        from_clause: Optional[sa.FromClause] = None,
        own: Sequence[sa.FromClause] = (),
    ) -> None:
        self.compiler = compiler
        self.entity_type = entity_type
        self.alias = alias
        self.from_clause = alias if from_clause is None else from_clause
        self.own: List[sa.FromClause] = [alias, *own]
        self._joins: Dict[Tuple[Any, ...], sa.FromClause] = {}

    def join(
        self, owner: sa.FromClause, attribute: Attribute, target: EntityType
    ) -> sa.FromClause:
        """The alias of the entity ``attribute`` (a reference) of ``owner`` points at.

        The join also requires the row to be of ``target`` (the declared or cast type),
        so a reference to another member is null.
        """
        key = (owner, attribute.name, attribute.relation, target.name)
        alias = self._joins.get(key)
        if alias is None:
            alias = self.compiler.table(target).alias()
            condition = _all(
                self.compiler.reference_match(owner, attribute, alias),
                type_condition(self.compiler.model, alias, (target.name,)),
            )
            self.from_clause = self.from_clause.outerjoin(alias, condition)
            self.own.append(alias)
            self._joins[key] = alias
        return alias

    def exists(self, condition: Optional[sa.ColumnElement]) -> sa.ColumnElement:
        statement = sa.exists().select_from(self.from_clause)
        if condition is not None:
            statement = statement.where(condition)
        return statement.correlate_except(*self.own)


def compile_query(model: Model, query: ast.Query, expression: str = "") -> CompiledQuery:
    """Compile a parsed query; ParseError messages end with the expression text."""
    compiler = Compiler(model)
    try:
        return compiler.compile(query)
    except ParseError as error:
        if expression:
            raise ParseError(f"{error.content} in: {expression}") from None
        raise


class Compiler:
    """Resolves names and builds SQL expressions for one query."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.metadata = metadata_for(model)

    # -- basics ------------------------------------------------------------------------------

    def entity_type(self, name: str) -> EntityType:
        entity_type = self.model.types.get(name)
        if entity_type is None:
            raise ParseError(f'Unknown entity type "{name}"')
        return entity_type

    def table(self, entity_type: EntityType) -> sa.Table:
        return self.metadata.tables[entity_type.table]

    def root_scope(self, entity_type: EntityType) -> Scope:
        return Scope(self, entity_type, self.table(entity_type).alias())

    def reference_match(
        self, owner: sa.FromClause, attribute: Attribute, target: sa.FromClause
    ) -> sa.ColumnElement:
        """Join condition between an owner row and the row its reference points at."""
        relation = attribute.relation
        if isinstance(relation, ForeignKey):
            pairs = zip(relation.target_columns, relation.columns)
            return _all(*(target.c[remote] == owner.c[local] for remote, local in pairs))
        if isinstance(relation, Computed):
            key = computed.reference_key(relation.rule, self.metadata, owner)
            return target.c.id == key
        raise ParseError(f'Invalid operator: cannot follow "{attribute.name}"')

    # -- resolution ----------------------------------------------------------------------------

    def lookup(
        self, entity_type: EntityType, name: str
    ) -> List[Tuple[Optional[tuple], Attribute]]:
        """Attribute(s) called ``name`` on ``entity_type`` or, failing that, its members.

        Members whose attributes agree are grouped; each group comes with the member
        names it covers (implicit narrowing).
        """
        attribute = entity_type.attributes.get(name)
        if attribute is not None:
            return [(None, attribute)]
        groups: Dict[Tuple[Any, ...], Tuple[List[str], Attribute]] = {}
        for member_name in entity_type.members[1:]:
            member_attribute = self.model.types[member_name].attributes.get(name)
            if member_attribute is not None:
                group = groups.setdefault(_signature(member_attribute), ([], member_attribute))
                group[0].append(member_name)
        if groups:
            return [(tuple(names), found) for names, found in groups.values()]
        table = self.model.tables[entity_type.table]
        if name in entity_type.default_projections and name in table.columns:
            # Storage-only names listed by the schema's default projections
            # (``to_entity_type`` on link variants): project the column as a string.
            return [(None, Attribute(name, Kind.SCALAR, "string", column=name))]
        raise ParseError(f'Unknown attribute "{name}" on entity type "{entity_type.name}"')

    def resolve(self, entity_type: EntityType, path: ast.Path) -> List[ResolvedPath]:
        """Every way ``path`` resolves from ``entity_type`` (several with narrowing)."""
        return self._resolve_from(entity_type, path.segments, 0, str(path))

    def _resolve_from(
        self, entity_type: EntityType, segments: Sequence[ast.Segment], index: int, text: str
    ) -> List[ResolvedPath]:
        segment = segments[index]
        resolved: List[ResolvedPath] = []
        errors: List[ParseError] = []
        for members, attribute in self.lookup(entity_type, segment.name):
            try:
                tails = self._resolve_attribute(attribute, segment, segments, index, text)
            except ParseError as error:
                errors.append(error)
                continue
            for tail in tails:
                first = Step(tail[0].attribute, members, tail[0].target, tail[0].cast)
                resolved.append((first, *tail[1:]))
        if not resolved:
            raise errors[0]
        return resolved

    def _resolve_attribute(
        self,
        attribute: Attribute,
        segment: ast.Segment,
        segments: Sequence[ast.Segment],
        index: int,
        text: str,
    ) -> List[ResolvedPath]:
        last = index == len(segments) - 1
        if attribute.kind is Kind.SCALAR:
            if segment.cast is not None:
                raise ParseError(
                    f'Invalid cast "{segment.cast}": "{attribute.name}" is not a relationship'
                )
            if not last:
                raise ParseError(
                    f'Unknown attribute "{segments[index + 1].name}" in "{text}": '
                    f'"{attribute.name}" is a scalar attribute, not a relationship'
                )
            return [(Step(attribute),)]
        target = self.model.types[attribute.target]
        cast = segment.cast is not None
        if cast:
            cast_type = self.model.types.get(segment.cast)
            if cast_type is None or cast_type.name not in target.members:
                raise ParseError(
                    f'Invalid cast "{segment.cast}" on "{attribute.name}": '
                    f'expected "{target.name}" or one of its member types'
                )
            target = cast_type
        step = Step(attribute, None, target, cast)
        if last:
            return [(step,)]
        return [(step, *tail) for tail in self._resolve_from(target, segments, index + 1, text)]

    # -- scopes ------------------------------------------------------------------------------

    def collection_scope(
        self, owner: sa.FromClause, attribute: Attribute, target: EntityType
    ) -> Tuple[Scope, Optional[sa.ColumnElement]]:
        """A scope over the items (of type ``target``) of a collection of ``owner``.

        Returns the scope and the condition relating its items to ``owner``.
        """
        relation = attribute.relation
        items = self.table(target).alias()
        restrict = type_condition(self.model, items, (target.name,))
        if isinstance(relation, Inverse):
            match = _all(
                *(
                    items.c[column] == owner.c[local]
                    for column, local in zip(relation.columns, relation.local_columns)
                ),
                *(items.c[column] == value for column, value in relation.where),
            )
            return Scope(self, target, items), _all(match, restrict)
        if isinstance(relation, Through):
            link = self.metadata.tables[relation.table].alias()
            source = link.join(items, items.c[relation.remote_key] == link.c[relation.remote])
            match = link.c[relation.local] == owner.c[relation.local_key]
            return Scope(self, target, items, source, own=(link,)), _all(match, restrict)
        if isinstance(relation, Closure):
            closure = self.metadata.tables["context_closure"].alias()
            near, far = _closure_columns(closure, relation)
            source = closure.join(items, items.c.id == far)
            match = sa.and_(near == owner.c.id, far != near)
            return Scope(self, target, items, source, own=(closure,)), _all(match, restrict)
        raise ParseError(f'Invalid operator: cannot follow "{attribute.name}"')

    # -- criteria ---------------------------------------------------------------------------

    def criteria(self, scope: Scope, expr: ast.Expr) -> sa.ColumnElement:
        if isinstance(expr, ast.And):
            return sa.and_(*(self.criteria(scope, item) for item in expr.items))
        if isinstance(expr, ast.Or):
            return sa.or_(*(self.criteria(scope, item) for item in expr.items))
        if isinstance(expr, ast.Not):
            return sa.not_(self.criteria(scope, expr.item))
        if isinstance(expr, ast.Comparison):
            return self._over_paths(
                scope, expr.path, lambda s, o, step: self._comparison(s, o, step, expr)
            )
        if isinstance(expr, ast.Membership):
            return self._over_paths(
                scope, expr.path, lambda s, o, step: self._membership(s, o, step, expr)
            )
        if isinstance(expr, ast.Relation):
            return self._over_paths(
                scope, expr.path, lambda s, o, step: self._relation(s, o, step, expr)
            )
        raise ParseError(f"Failed to parse: unexpected condition {expr!r}")

    def _over_paths(self, scope: Scope, path: ast.Path, leaf: Any) -> sa.ColumnElement:
        """OR over the ways ``path`` resolves; alternatives whose rest fails are dropped."""
        conditions = []
        errors = []
        for resolved in self.resolve(scope.entity_type, path):
            try:
                conditions.append(self._walk(scope, scope.alias, resolved, leaf))
            except ParseError as error:
                errors.append(error)
        if not conditions:
            raise errors[0]
        return conditions[0] if len(conditions) == 1 else sa.or_(*conditions)

    def _walk(
        self, scope: Scope, owner: sa.FromClause, steps: ResolvedPath, leaf: Any
    ) -> sa.ColumnElement:
        """The condition for ``steps`` from ``owner``.

        A member-only step (implicit narrowing) also requires the owner to be one of
        those members, so entities of other members never satisfy it (5.4).
        """
        step = steps[0]
        narrowing = None
        if step.members is not None:
            narrowing = type_condition(self.model, owner, step.members)
        if len(steps) == 1:
            return _all(narrowing, leaf(scope, owner, step))
        if step.attribute.kind is Kind.REFERENCE:
            target = scope.join(owner, step.attribute, step.target)
            return _all(narrowing, self._walk(scope, target, steps[1:], leaf))
        inner, match = self.collection_scope(owner, step.attribute, step.target)
        condition = self._walk(inner, inner.alias, steps[1:], leaf)
        return _all(narrowing, inner.exists(_all(match, condition)))

    def scalar_expression(self, alias: sa.FromClause, attribute: Attribute) -> sa.ColumnElement:
        """The SQL value of a scalar attribute on ``alias`` (stored or SQL-computed)."""
        rule = computed.rule_of(attribute)
        if rule in computed.SQL_RULES:
            return computed.sql_value(rule, self.metadata, alias)
        if rule is not None or attribute.column is None:
            raise ParseError(
                f'Invalid operator: "{attribute.name}" is computed by the server and can '
                "only be projected"
            )
        return alias.c[attribute.column]

    def _comparison(
        self, scope: Scope, owner: sa.FromClause, step: Step, expr: ast.Comparison
    ) -> sa.ColumnElement:
        attribute = step.attribute
        operator = expr.operator
        if attribute.is_collection:
            raise ParseError(
                f'Invalid operator "{_OPERATOR_TEXT[operator]}" for collection '
                f'"{attribute.name}": use "any" or a path through it'
            )
        if attribute.kind is Kind.REFERENCE:
            return self._reference_comparison(scope, owner, step, operator, expr.value)
        column = self.scalar_expression(owner, attribute)
        return compare(column, attribute, operator, expr.value)

    def _reference_comparison(
        self, scope: Scope, owner: sa.FromClause, step: Step, operator: str, value: ast.Literal
    ) -> sa.ColumnElement:
        attribute = step.attribute
        if operator not in ("is", "is_not"):
            raise ParseError(
                f'Invalid operator "{_OPERATOR_TEXT[operator]}" for reference '
                f'"{attribute.name}": only is and is_not compare references'
            )
        if value.kind == "null":
            exists = self._reference_set(scope, owner, step)
            return exists if operator == "is_not" else sa.not_(exists)
        key = self._reference_key(owner, attribute)
        literal = coerce(value, _key_attribute(attribute, key))
        return key == literal if operator == "is" else key != literal

    def _reference_set(self, scope: Scope, owner: sa.FromClause, step: Step) -> sa.ColumnElement:
        """True when the reference points at an existing entity (of the cast type)."""
        relation = step.attribute.relation
        if isinstance(relation, ForeignKey) and not step.cast:
            return _all(*(owner.c[column].is_not(None) for column in relation.columns))
        return self._has(owner, step, None)

    def _reference_key(self, owner: sa.FromClause, attribute: Attribute) -> sa.ColumnElement:
        relation = attribute.relation
        if isinstance(relation, ForeignKey) and len(relation.columns) == 1:
            return owner.c[relation.columns[0]]
        if isinstance(relation, Computed):
            return computed.reference_key(relation.rule, self.metadata, owner)
        raise ParseError(
            f'Invalid operator: "{attribute.name}" has a composite key and cannot be '
            "compared with a value"
        )

    def _membership(
        self, scope: Scope, owner: sa.FromClause, step: Step, expr: ast.Membership
    ) -> sa.ColumnElement:
        attribute = step.attribute
        operator = "not_in" if expr.negated else "in"
        if attribute.is_collection:
            raise ParseError(
                f'Invalid operator "{operator}" for collection "{attribute.name}": '
                'use "any" or a path through it'
            )
        if attribute.kind is Kind.REFERENCE:
            column = self._reference_key(owner, attribute)
            attribute = _key_attribute(attribute, column)
        else:
            column = self.scalar_expression(owner, attribute)
        if isinstance(expr.values, ast.SubQuery):
            return self._subquery_membership(column, attribute, expr.negated, expr.values)
        return membership(column, attribute, expr.negated, expr.values)

    def _relation(
        self, scope: Scope, owner: sa.FromClause, step: Step, expr: ast.Relation
    ) -> sa.ColumnElement:
        attribute = step.attribute
        if attribute.kind is Kind.SCALAR:
            raise ParseError(
                f'Invalid operator "{expr.kind}" for scalar attribute "{attribute.name}"'
            )
        if expr.kind == "has":
            if attribute.is_collection:
                raise ParseError(
                    f'Invalid operator "has" for collection "{attribute.name}": use "any"'
                )
            return self._has(owner, step, expr.criteria)
        if attribute.kind is Kind.REFERENCE:
            raise ParseError(f'Invalid operator "any" for reference "{attribute.name}": use "has"')
        inner, match = self.collection_scope(owner, attribute, step.target)
        condition = None if expr.criteria is None else self.criteria(inner, expr.criteria)
        return inner.exists(_all(match, condition))

    def _has(
        self, owner: sa.FromClause, step: Step, criteria: Optional[ast.Expr]
    ) -> sa.ColumnElement:
        target = self.table(step.target).alias()
        inner = Scope(self, step.target, target)
        condition = None if criteria is None else self.criteria(inner, criteria)
        return inner.exists(
            _all(
                self.reference_match(owner, step.attribute, target),
                type_condition(self.model, target, (step.target.name,)),
                condition,
            )
        )

    # -- subqueries --------------------------------------------------------------------------

    def _subquery_membership(
        self, column: sa.ColumnElement, attribute: Attribute, negated: bool, sub: ast.SubQuery
    ) -> sa.ColumnElement:
        entity_type = self.entity_type(sub.entity_type)
        scope = self.root_scope(entity_type)
        value, inner_attribute = self.value_expression(scope, sub.path, "subquery")
        if attribute.data_type != inner_attribute.data_type:
            # Different types meet as text (a database may refuse to compare them).
            column, value = sa.cast(column, sa.Text), sa.cast(value, sa.Text)
            attribute = Attribute(attribute.name, Kind.SCALAR, "string")
        folded = attribute.data_type in _TEXTUAL and not (
            is_id_attribute(attribute) and is_id_attribute(inner_attribute)
        )
        where = _all(
            type_condition(self.model, scope.alias, (entity_type.name,)),
            None if sub.where is None else self.criteria(scope, sub.where),
            value.is_not(None),
        )
        statement = sa.select(fold(value) if folded else value)
        statement = statement.select_from(scope.from_clause).where(where)
        if sub.limit is not None or sub.offset:
            # Paging needs a stable order: the given one, then the primary key.
            order = self.order_clauses(scope, sub.order_by)
            order.extend(scope.alias.c[column].asc() for column in _key_columns(entity_type))
            statement = statement.order_by(*order)
            if sub.offset:
                statement = statement.offset(min(sub.offset, LARGEST_PAGING))
            if sub.limit is not None:
                statement = statement.limit(min(sub.limit, LARGEST_PAGING))
        condition = (fold(column) if folded else column).in_(statement.correlate(None))
        return sa.not_(condition) if negated else condition

    # -- values (order by, aggregates, subquery projections) ----------------------------------

    def value_expression(
        self, scope: Scope, path: ast.Path, purpose: str
    ) -> Tuple[sa.ColumnElement, Attribute]:
        """A single-valued SQL expression for ``path`` (references only, no collections)."""
        values = []
        attribute = None
        for resolved in self.resolve(scope.entity_type, path):
            owner = scope.alias
            narrowing = []
            for step in resolved:
                if step.members is not None:
                    narrowing.append(type_condition(self.model, owner, step.members))
                if step is resolved[-1]:
                    break
                if step.attribute.kind is not Kind.REFERENCE:
                    raise _value_error(purpose, path, step.attribute)
                owner = scope.join(owner, step.attribute, step.target)
            leaf = resolved[-1]
            leaf_attribute = leaf.attribute
            if leaf_attribute.kind is Kind.SCALAR:
                value = self.scalar_expression(owner, leaf_attribute)
            elif leaf_attribute.kind is Kind.REFERENCE and purpose in ("count", "order", "group"):
                # A reference counts, sorts and groups by the key it holds.
                value = self._reference_key(owner, leaf_attribute)
                leaf_attribute = _key_attribute(leaf_attribute, value)
            else:
                raise _value_error(purpose, path, leaf_attribute)
            condition = _all(*narrowing)
            if condition is not None:
                value = sa.case((condition, value))
            values.append(value)
            attribute = attribute or leaf_attribute
        value = values[0] if len(values) == 1 else sa.func.coalesce(*values)
        return value, attribute

    def order_clauses(self, scope: Scope, items: Sequence[ast.OrderItem]) -> List[Any]:
        clauses = []
        for item in items:
            if isinstance(item.target, ast.Aggregate):
                raise ParseError(
                    f'Invalid aggregation: cannot order by "{item.target}" without group by'
                )
            value, attribute = self.value_expression(scope, item.target, "order")
            clauses.append(_ordered(sort_key(value, attribute), item.descending))
        return clauses

    # -- whole queries -----------------------------------------------------------------------

    def compile(self, query: ast.Query) -> CompiledQuery:
        entity_type = self.entity_type(query.entity_type)
        scope = self.root_scope(entity_type)
        where = _all(
            type_condition(self.model, scope.alias, (entity_type.name,)),
            None if query.where is None else self.criteria(scope, query.where),
        )
        projections = query.projections
        is_aggregate = bool(query.group_by) or any(
            isinstance(projection, ast.Aggregate) for projection in projections or ()
        )
        if is_aggregate:
            plan, order = self._aggregate(scope, query)
            return CompiledQuery(
                entity_type, scope, where, order, query.offset, query.limit, aggregate=plan
            )
        order = self.order_clauses(scope, query.order_by)
        order.extend(scope.alias.c[column].asc() for column in _key_columns(entity_type))
        if projections is None:
            projections = tuple(
                ast.Path.from_string(name) for name in entity_type.default_projections
            )
        shape = self.shape(entity_type, projections)
        return CompiledQuery(
            entity_type, scope, where, order, query.offset, query.limit, shape=shape
        )

    def shape(self, entity_type: EntityType, projections: Sequence[ast.Path]) -> Shape:
        """The projection tree for ``projections`` on ``entity_type``."""
        shape = Shape(entity_type)
        for projection in projections:
            for resolved in self.resolve(entity_type, projection):
                self._insert(shape, resolved, projection)
        return shape

    def _insert(self, shape: Shape, resolved: ResolvedPath, projection: ast.Path) -> None:
        for step in resolved:
            attribute = step.attribute
            if attribute.restricted:
                where = "" if str(projection) == attribute.name else f' in "{projection}"'
                raise ParseError(f'Attribute cannot be projected: "{attribute.name}"{where}')
            members = None if step.members is None else frozenset(step.members)
            branches = shape.branches.setdefault(attribute.name, [])
            branch = None
            for candidate in branches:
                if candidate.attribute is attribute or (
                    _signature(candidate.attribute) == _signature(attribute)
                    and candidate.target is step.target
                    and candidate.cast == step.cast
                ):
                    branch = candidate
                    break
            if branch is None:
                branch = Branch(attribute, members, step.target, step.cast)
                if step.target is not None:
                    branch.shape = Shape(step.target)
                    if attribute.kind is Kind.MAPPED:
                        self._seed_mapped(branch.shape)
                branches.append(branch)
            elif branch.members is not None:
                branch.members = None if members is None else branch.members | members
            if branch.shape is None:
                return
            shape = branch.shape

    def _seed_mapped(self, shape: Shape) -> None:
        """Mapped collection items always carry their default projections and value."""
        item = shape.entity_type
        names = list(item.default_projections)
        if "value" in item.attributes and "value" not in names:
            names.append("value")
        for name in names:
            if name in item.attributes:
                for resolved in self.resolve(item, ast.Path.from_string(name)):
                    self._insert(shape, resolved, ast.Path.from_string(name))

    # -- aggregation -------------------------------------------------------------------------

    def _aggregate(self, scope: Scope, query: ast.Query) -> Tuple[AggregatePlan, List[Any]]:
        if query.projections is None:
            raise ParseError("Invalid aggregation: group by needs a select list")
        groups: Dict[str, Tuple[Any, Attribute]] = {}
        for path in query.group_by:
            groups[str(path)] = self.value_expression(scope, path, "group")
        columns = []
        aggregates: Dict[str, Any] = {}
        for projection in query.projections:
            if isinstance(projection, ast.Aggregate):
                column = self._aggregate_column(scope, projection)
                aggregates[str(projection)] = column.expression
                columns.append(column)
            elif str(projection) in groups:
                value, attribute = groups[str(projection)]
                columns.append(AggregateColumn(str(projection), value, attribute.data_type))
            else:
                raise ParseError(
                    f'Invalid aggregation: "{projection}" is neither aggregated nor in group by'
                )
        order = []
        for item in query.order_by:
            if isinstance(item.target, ast.Aggregate):
                expression = aggregates.get(str(item.target))
                if expression is None:
                    expression = self._aggregate_column(scope, item.target).expression
                order.append(_ordered(expression, item.descending))
            elif str(item.target) in groups:
                value, attribute = groups[str(item.target)]
                order.append(_ordered(sort_key(value, attribute), item.descending))
            else:
                raise ParseError(
                    f'Invalid aggregation: cannot order by "{item.target}", '
                    "which is not in group by"
                )
        group_values = [value for value, _attribute in groups.values()]
        order.extend(_ordered(value, False) for value in group_values)
        return AggregatePlan(columns, group_values), order

    def _aggregate_column(self, scope: Scope, aggregate: ast.Aggregate) -> AggregateColumn:
        function = aggregate.function
        value, attribute = self.value_expression(
            scope, aggregate.path, "count" if function == "count" else "aggregate"
        )
        key = f"{function}_{str(aggregate.path).replace('.', '_')}"
        data_type = attribute.data_type
        if function == "count":
            return AggregateColumn(key, sa.func.count(value, type_=sa.Integer), "integer")
        if function in ("sum", "avg") and data_type not in _NUMERIC:
            raise ParseError(
                f'Invalid aggregation: {function} needs a number, "{aggregate.path}" is '
                f"{data_type}"
            )
        if function in ("min", "max") and data_type not in (*_NUMERIC, "string", "datetime"):
            raise ParseError(
                f'Invalid aggregation: {function} cannot compare "{aggregate.path}" ({data_type})'
            )
        if function == "avg":
            return AggregateColumn(key, sa.func.avg(value, type_=sa.Float), "number")
        if function == "sum":
            result_type = sa.Integer if data_type == "integer" else sa.Float
            return AggregateColumn(key, sa.func.sum(value, type_=result_type), data_type)
        return AggregateColumn(key, getattr(sa.func, function)(value, type_=value.type), data_type)


def _value_error(purpose: str, path: ast.Path, attribute: Attribute) -> ParseError:
    kind = "collection" if attribute.is_collection else attribute.kind.value
    if purpose == "subquery":
        return ParseError(
            f'Invalid subquery: "{path}" must be a single scalar attribute, '
            f'"{attribute.name}" is a {kind}'
        )
    if purpose in ("group", "aggregate", "count"):
        return ParseError(f'Invalid aggregation: "{path}" goes through {kind} "{attribute.name}"')
    return ParseError(
        f'Invalid operator: cannot order by "{path}" through {kind} "{attribute.name}"'
    )


def _closure_columns(closure: sa.FromClause, relation: Closure) -> Tuple[Any, Any]:
    """(column holding the owner, column holding the item) of a closure relation."""
    if relation.direction == "ancestors":
        return closure.c.descendant_id, closure.c.ancestor_id
    return closure.c.ancestor_id, closure.c.descendant_id


def _key_columns(entity_type: EntityType) -> Tuple[str, ...]:
    return tuple(entity_type.attributes[name].column or name for name in entity_type.primary_key)


def _key_attribute(attribute: Attribute, key: Any) -> Attribute:
    """A stand-in id attribute for comparing a reference's ``key`` with a value."""
    data_type = "integer" if isinstance(key.type, sa.Integer) else "string"
    return Attribute(f"{attribute.name}_id", Kind.SCALAR, data_type)


def _ordered(expression: Any, descending: bool) -> Any:
    if descending:
        return expression.desc().nulls_last()
    return expression.asc().nulls_first()


def sort_key(expression: Any, attribute: Attribute) -> Any:
    """Strings sort case-insensitively; ids and everything else by value."""
    if attribute.data_type in _TEXTUAL and not is_id_attribute(attribute):
        return fold(expression)
    return expression


# -- literals and comparisons --------------------------------------------------------------


def _invalid_value(literal: ast.Literal, attribute: Attribute, expected: str) -> ParseError:
    return ParseError(
        f'Invalid value "{literal.text}" for {expected} attribute "{attribute.name}"'
    )


def coerce(literal: ast.Literal, attribute: Attribute) -> Any:
    """The literal as a value of the attribute's type (query-language.md 7.2)."""
    data_type = attribute.data_type
    kind = literal.kind
    if data_type in _TEXTUAL or data_type == "variable":
        return literal.text
    if data_type in _NUMERIC:
        number = literal.value if kind in ("integer", "number") else None
        if kind in ("string", "bare"):
            number = _number(literal.text)
        if number is not None:
            return _bounded(number)
        raise _invalid_value(
            literal, attribute, "a number" if data_type == "number" else "an integer"
        )
    if data_type == "boolean":
        flag = _boolean(literal)
        if flag is None:
            raise _invalid_value(literal, attribute, "a boolean")
        return flag
    if data_type == "datetime":
        if kind in ("string", "bare"):
            try:
                return parse_datetime(literal.text)
            except ValueError:
                pass
        raise _invalid_value(literal, attribute, "a date-time")
    raise ParseError(f'Invalid operator: "{attribute.name}" cannot be compared')


def _number(text: str) -> Any:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_LARGEST_INTEGER = 2**63 - 1


def _bounded(number: Any) -> Any:
    """Integers beyond 64 bits compare as floats (drivers cannot bind them)."""
    if isinstance(number, int) and abs(number) > _LARGEST_INTEGER:
        return float(number)
    return number


def _boolean(literal: ast.Literal) -> Optional[bool]:
    if literal.kind == "boolean":
        return bool(literal.value)
    if literal.kind == "integer" and literal.value in (0, 1):
        return bool(literal.value)
    if literal.kind in ("string", "bare"):
        lowered = literal.text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return None


def as_text(column: Any, data_type: str) -> Any:
    """A column's text form, for ``like`` on non-string attributes (8.4)."""
    if data_type in _TEXTUAL:
        return column
    if data_type == "datetime":
        return _IsoText(column)
    if data_type == "boolean":
        return sa.case((column == sa.true(), "true"), (column == sa.false(), "false"))
    return sa.cast(column, sa.Text)


def compare(
    column: Any, attribute: Attribute, operator: str, literal: ast.Literal
) -> sa.ColumnElement:
    """``column <operator> literal`` with the rules of sections 7 and 8."""
    if literal.kind == "null":
        if operator == "is":
            return column.is_(None)
        if operator == "is_not":
            return column.is_not(None)
        raise ParseError(
            f'Invalid value "{literal.text}": null only works with is and is_not '
            f'(operator "{_OPERATOR_TEXT[operator]}" on "{attribute.name}")'
        )
    data_type = attribute.data_type
    if data_type == "variable":
        return _variable_compare(column, operator, literal)
    if data_type == "object":
        raise ParseError(f'Invalid operator: "{attribute.name}" cannot be compared')
    if operator in ("like", "not_like"):
        pattern = fold_value(_like_pattern(literal.text))
        matches = fold(as_text(column, data_type)).like(pattern, escape=LIKE_ESCAPE)
        return sa.not_(matches) if operator == "not_like" else matches
    value = coerce(literal, attribute)
    comparator = _COMPARATORS[operator]
    if data_type in _TEXTUAL and not (is_id_attribute(attribute) and operator in ("is", "is_not")):
        return comparator(fold(column), fold_value(value))
    if data_type == "boolean":
        # A typed parameter: booleans order false < true (8.2).
        value = sa.literal(value, sa.Boolean)
    return comparator(column, value)


def membership(
    column: Any, attribute: Attribute, negated: bool, literals: Sequence[ast.Literal]
) -> sa.ColumnElement:
    """``column in (...)`` / ``not_in`` with a literal list (7.5, 8.5)."""
    if not literals:
        return column.is_not(None) if negated else sa.false()
    has_null = any(literal.kind == "null" for literal in literals)
    values = [literal for literal in literals if literal.kind != "null"]
    if attribute.data_type == "variable":
        matches = _any_of([_variable_compare(column, "is", literal) for literal in values])
    elif attribute.data_type == "object":
        raise ParseError(f'Invalid operator: "{attribute.name}" cannot be compared')
    else:
        coerced = [coerce(literal, attribute) for literal in values]
        if attribute.data_type in _TEXTUAL and not is_id_attribute(attribute):
            folded = [fold_value(value) for value in coerced]
            if all(isinstance(value, str) for value in folded):
                matches = fold(column).in_(folded) if folded else sa.false()
            else:
                matches = _any_of([fold(column) == value for value in folded])
        else:
            matches = column.in_(coerced) if coerced else sa.false()
    if negated:
        condition = sa.not_(matches)
        return sa.and_(column.is_not(None), condition) if has_null else condition
    return sa.or_(matches, column.is_(None)) if has_null else matches


def _any_of(conditions: List[Any]) -> Any:
    if not conditions:
        return sa.false()
    return conditions[0] if len(conditions) == 1 else sa.or_(*conditions)


# -- variable (JSON) values: custom attribute values and configuration defaults ------------


def _json_forms(literal: ast.Literal) -> List[str]:
    """The stored JSON texts a literal may equal (string, number, boolean, date-time)."""
    text = literal.text
    forms = [json.dumps(text)]
    number = literal.value if literal.kind in ("integer", "number") else _number(text)
    if number is not None and not isinstance(number, bool):
        forms.append(json.dumps(number))
        if float(number).is_integer():
            forms.append(json.dumps(int(number)))
            forms.append(json.dumps(float(number)))
    flag = _boolean(literal)
    if flag is not None:
        forms.append(json.dumps(flag))
    if literal.kind in ("string", "bare"):
        try:
            instant = parse_datetime(text)
        except ValueError:
            pass
        else:
            forms.append(json.dumps(encode_datetime(instant), sort_keys=True))
    unique = []
    for form in forms:
        if form not in unique:
            unique.append(form)
    return unique


def _variable_compare(column: Any, operator: str, literal: ast.Literal) -> sa.ColumnElement:
    """Typed comparison of a JSON-encoded stored value (query-language.md 12.1).

    Equality matches any of the literal's JSON forms, or an element of a stored list
    of strings; strings compare case-insensitively. Ordering operators compare numbers
    numerically, date-times chronologically and strings by their JSON text (so strings
    containing escaped characters may order unexpectedly).
    """
    folded = fold(column)
    if operator in ("like", "not_like"):
        pattern = _like_pattern(literal.text)
        matches = sa.or_(
            folded.like(fold_value(f'%"{pattern}"%'), escape=LIKE_ESCAPE),
            folded.like(fold_value(pattern), escape=LIKE_ESCAPE),
        )
        return sa.not_(matches) if operator == "not_like" else matches
    if operator in ("is", "is_not"):
        forms = [form.lower() if form.isascii() else form for form in _json_forms(literal)]
        string_form = json.dumps(literal.text)
        element = escape_like(string_form)
        in_list = sa.or_(
            folded == fold_value(f"[{string_form}]"),
            folded.like(fold_value(f"[{element}, %"), escape=LIKE_ESCAPE),
            folded.like(fold_value(f"%, {element}]"), escape=LIKE_ESCAPE),
            folded.like(fold_value(f"%, {element}, %"), escape=LIKE_ESCAPE),
        )
        matches = sa.or_(folded.in_([fold_value(form) for form in forms]), in_list)
        return matches if operator == "is" else sa.and_(column.is_not(None), sa.not_(matches))
    comparator = _COMPARATORS[operator]
    number = literal.value if literal.kind in ("integer", "number") else _number(literal.text)
    if number is not None and not isinstance(number, bool):
        number = _bounded(number)
        first = sa.func.substr(column, 1, 1)
        numeric = sa.case(
            (first.in_(list("-0123456789")), sa.cast(column, sa.Float)),
        )
        return comparator(numeric, number)
    if literal.kind in ("string", "bare"):
        try:
            instant = parse_datetime(literal.text)
        except ValueError:
            pass
        else:
            encoded = json.dumps(encode_datetime(instant), sort_keys=True)
            return sa.and_(column.like('{"__type__": "datetime"%'), comparator(column, encoded))
    return sa.and_(column.like('"%'), comparator(folded, fold_value(json.dumps(literal.text))))
