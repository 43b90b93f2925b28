"""Run compiled queries and assemble their results in the wire form.

A query becomes a :class:`Plan`, built once per expression text and cached:

* one *level* statement for the root rows, and one per collection reached by the
  projections (``assignments``, ``assignments.resource.memberships``, ...). A level
  selects its entities plus every reference projected on them through LEFT OUTER
  JOINs, so references cost no extra statement;
* a collection level finds its items with ``IN (SELECT <owner keys> ...)`` over the
  parent level's FROM and WHERE (and the root's order/offset/limit), so the number of
  statements depends on the projections only, never on the number of rows;
* one statement per entity place that projects ``link`` (a recursive walk up the
  parent chain).

Assembly runs over plain row tuples with column positions worked out in advance, and
one emitter list per concrete type, so there is no model lookup per row. Every
occurrence of an entity is expanded with the projections requested at its path (the
projection tree is finite, so nothing can recurse).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.errors import ParseError
from ftrack_server.model import Model
from ftrack_server.model.types import Attribute, Closure, EntityType, Inverse, Kind, Through
from ftrack_server.query import ast, grammar
from ftrack_server.query.compiler import (
    LARGEST_PAGING,
    Branch,
    CompiledQuery,
    Compiler,
    Scope,
    Shape,
    compile_query,
    type_condition,
)
from ftrack_server.storage import computed
from ftrack_server.storage.values import to_storage, to_wire

__all__ = ["Plan", "execute_query", "load_entities", "plan_for_expression", "plan_for_keys"]

#: Expressions longer than this are planned every time (one-off id lists).
CACHEABLE_LENGTH = 4096
_CACHE_SIZE = 512

KEYS_PARAMETER = "keys"
PAGE_KEYS_PARAMETER = "page_keys"


# -- converters ------------------------------------------------------------------------------


def _wire_datetime(value: Any) -> Any:
    return to_wire(value, "datetime")


def _decode_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_CONVERTERS: Dict[str, Optional[Callable[[Any], Any]]] = {
    "datetime": _wire_datetime,
    "variable": _decode_json,
    "boolean": bool,
}


# -- plan pieces -------------------------------------------------------------------------------


class _Columns:
    """The select list of one statement; each column is registered once."""

    def __init__(self) -> None:
        self.expressions: List[Any] = []
        #: What each position holds: ``(alias, column name)`` for plain columns.
        self.sources: List[Hashable] = []
        self._positions: Dict[Hashable, int] = {}

    def add(self, key: Hashable, expression: Any) -> int:
        position = self._positions.get(key)
        if position is None:
            position = len(self.expressions)
            self.expressions.append(expression.label(f"c{position}"))
            self.sources.append(key)
            self._positions[key] = position
        return position

    def column(self, alias: sa.FromClause, name: str) -> int:
        return self.add((alias, name), alias.c[name])


class _Level:
    """One statement: the root rows, or the items of one collection."""

    def __init__(
        self,
        index: int,
        scope: Scope,
        where: Optional[Any],
        order: Sequence[Any],
        owner: Optional[Any] = None,
    ) -> None:
        self.index = index
        self.scope = scope
        self.where = where
        self.order = list(order)
        self.columns = _Columns()
        self.owner_position = None if owner is None else self.columns.add(("owner",), owner)
        self.offset: Optional[int] = None
        self.limit: Optional[int] = None
        self.entity: Optional[_EntityPlan] = None
        self.statement: Optional[sa.Select] = None
        self.all_keys: Optional[sa.Select] = None
        self.by_keys: Optional[sa.Select] = None

    def key_source(self, column: Any) -> sa.Select:
        """The values of ``column`` over this level's rows (for the next level's IN)."""
        statement = sa.select(column).select_from(self.scope.from_clause)
        if self.where is not None:
            statement = statement.where(self.where)
        if self.limit is not None or self.offset:
            statement = statement.order_by(*self.order)
            if self.offset:
                statement = statement.offset(self.offset)
            if self.limit is not None:
                statement = statement.limit(self.limit)
        return statement

    def finish(self, fetch_limit: Optional[int]) -> None:
        statement = sa.select(*self.columns.expressions).select_from(self.scope.from_clause)
        key = self._single_key()
        if key is not None and (self.offset or fetch_limit is not None):
            # Page by keys first: the database sorts and skips bare keys (the joins
            # for projections it does not need are left out), then joins the
            # projections for the page only. Without this every page would join the
            # projections for all the rows before the offset.
            page = sa.select(key).select_from(self.scope.from_clause).correlate(None)
            if self.where is not None:
                page = page.where(self.where)
            page = page.order_by(*self.order)
            # For a cache of the ordered keys (see query.pages): all keys, and the
            # rows of a given list of keys.
            self.all_keys = page
            self.by_keys = statement.where(
                key.in_(sa.bindparam(PAGE_KEYS_PARAMETER, expanding=True))
            ).order_by(*self.order)
            if self.offset:
                page = page.offset(self.offset)
            if fetch_limit is not None:
                page = page.limit(fetch_limit)
            self.statement = statement.where(key.in_(page)).order_by(*self.order)
            return
        if self.where is not None:
            statement = statement.where(self.where)
        statement = statement.order_by(*self.order)
        if self.offset:
            statement = statement.offset(self.offset)
        if fetch_limit is not None:
            statement = statement.limit(fetch_limit)
        self.statement = statement

    def _single_key(self) -> Optional[Any]:
        """The root's primary key column when it is a single column."""
        if self.entity is None or len(self.entity.key_positions) != 1:
            return None
        return self.columns.expressions[self.entity.key_positions[0]].element


class _LinkBatch:
    """The ``link`` chains of the entities at one place of one level."""

    def __init__(self, index: int, statement: Optional[sa.Select]) -> None:
        self.index = index
        self.statement = statement


class _Emitters:
    """What to write for one concrete type at one place of the result."""

    __slots__ = ("collections", "links", "references", "row_rules", "scalars", "type_name")

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.scalars: List[Tuple[str, int, Optional[Callable[[Any], Any]]]] = []
        self.references: List[Tuple[str, _EntityPlan]] = []
        self.collections: List[Tuple[str, int, int]] = []
        self.row_rules: List[Tuple[str, str, Optional[int]]] = []
        self.links: List[Tuple[str, Optional[int], int, Optional[int]]] = []


class _EntityPlan:
    """How to build the entities of one :class:`Shape` from the rows of one level."""

    def __init__(self, index: int, entity_type: EntityType, cached: bool) -> None:
        self.index = index
        self.declared = entity_type.name
        self.cached = cached
        self.key_positions: Tuple[int, ...] = ()
        self.discriminators: List[Tuple[str, int, Dict[Any, str]]] = []
        self.by_type: Dict[str, _Emitters] = {}

    def concrete_type(self, row: Sequence[Any]) -> str:
        current = self.declared
        for parent, position, mapping in self.discriminators:
            if current != parent:
                break
            child = mapping.get(row[position])
            if child is None:
                break
            current = child
        return current

    def build(self, row: Sequence[Any], run: _Run) -> Optional[Dict[str, Any]]:
        positions = self.key_positions
        key = row[positions[0]] if len(positions) == 1 else tuple(row[p] for p in positions)
        if key is None or (len(positions) > 1 and key[0] is None):
            return None
        if self.cached:
            cache = run.caches[self.index]
            found = cache.get(key)
            if found is not None:
                return found
        type_name = self.concrete_type(row) if self.discriminators else self.declared
        emitters = self.by_type.get(type_name) or self.by_type[self.declared]
        entity: Dict[str, Any] = {"__entity_type__": type_name}
        for name, position, convert in emitters.scalars:
            value = row[position]
            entity[name] = value if convert is None or value is None else convert(value)
        for name, plan in emitters.references:
            entity[name] = plan.build(row, run)
        if emitters.collections:
            items = run.items
            for name, level, position in emitters.collections:
                found_items = items[level].get(row[position])
                entity[name] = [] if found_items is None else found_items
        for name, rule, position in emitters.row_rules:
            source = None if position is None else row[position]
            entity[name] = computed.row_value(rule, source, run.context)
        for name, batch, id_position, name_position in emitters.links:
            identifier = row[id_position]
            chain = None if batch is None else run.links[batch].get(identifier)
            if chain is None:
                label = None if name_position is None else row[name_position]
                chain = computed.single_link(type_name, identifier, label)
            entity[name] = chain
        if self.cached:
            cache[key] = entity
        return entity


class _Run:
    """Per-execution state: loaded items, link chains and reference caches."""

    def __init__(self, plan: Plan, context: Any) -> None:
        self.context = context
        self.items: List[Dict[Any, List[Dict[str, Any]]]] = [{} for _ in plan.levels]
        self.links: List[Dict[Any, List[Dict[str, Any]]]] = [{} for _ in plan.link_batches]
        self.caches: List[Dict[Any, Dict[str, Any]]] = [{} for _ in range(plan.entity_count)]


class Plan:
    """Everything needed to run one query: statements and assembly, built once."""

    def __init__(self, compiled: CompiledQuery) -> None:
        self.compiled = compiled
        self.levels: List[_Level] = []
        self.link_batches: List[_LinkBatch] = []
        self.entity_count = 0
        self.aggregate_statement: Optional[sa.Select] = None
        self.model: Optional[Model] = None
        #: The expression without offset and limit, for paged queries (cache key).
        self.unpaged: Optional[str] = None
        #: How rows in hand are encoded like this plan reads them (see query.written).
        self.written: Any = None

    @property
    def statement_count(self) -> int:
        if self.aggregate_statement is not None:
            return 1
        links = sum(1 for batch in self.link_batches if batch.statement is not None)
        return len(self.levels) + links

    def run(
        self,
        connection: Connection,
        context: Any,
        parameters: Optional[Dict[str, Any]] = None,
        by_keys: bool = False,
    ) -> Tuple[List[Dict[str, Any]], bool]:
        """Execute the statements; return the root entities and whether more exist.

        With ``by_keys`` the root rows are those of the page keys in ``parameters``
        (already cut to the page), so there is no paging left to do.
        """
        parameters = parameters or {}
        run = _Run(self, context)
        for batch in self.link_batches:
            if batch.statement is not None:
                rows = connection.execute(batch.statement, parameters).all()
                run.links[batch.index] = computed.group_links(rows)
        for level in reversed(self.levels[1:]):
            rows = connection.execute(level.statement, parameters).all()
            items: Dict[Any, List[Dict[str, Any]]] = {}
            build = level.entity.build
            owner = level.owner_position
            for row in rows:
                entity = build(row, run)
                found = items.get(row[owner])
                if found is None:
                    items[row[owner]] = [entity]
                else:
                    found.append(entity)
            run.items[level.index] = items
        root = self.levels[0]
        if by_keys:
            rows = connection.execute(root.by_keys, parameters).all()
            build = root.entity.build
            return [build(row, run) for row in rows], False
        rows = connection.execute(root.statement, parameters).all()
        limit = self.compiled.limit
        more = limit is not None and len(rows) > limit
        if more:
            rows = rows[:limit]
        build = root.entity.build
        return [build(row, run) for row in rows], more

    def run_aggregate(self, connection: Connection) -> Tuple[List[Dict[str, Any]], bool]:
        columns = self.compiled.aggregate.columns
        rows = connection.execute(self.aggregate_statement).all()
        limit = self.compiled.limit
        more = limit is not None and len(rows) > limit
        if more:
            rows = rows[:limit]
        data = [
            {column.key: to_wire(value, column.data_type) for column, value in zip(columns, row)}
            for row in rows
        ]
        return data, more


# -- plan building -----------------------------------------------------------------------------


class _PlanBuilder:
    def __init__(self, compiler: Compiler, plan: Plan) -> None:
        self.compiler = compiler
        self.model = compiler.model
        self.metadata = compiler.metadata
        self.plan = plan
        self._link_batches: Dict[Tuple[int, Any], _LinkBatch] = {}
        # Branches shared by several member types are planned once.
        self._references: Dict[Tuple[int, Any], _EntityPlan] = {}
        self._collections: Dict[Tuple[int, Any], Tuple[_Level, Any]] = {}

    def new_level(self, *args: Any, **kwargs: Any) -> _Level:
        level = _Level(len(self.plan.levels), *args, **kwargs)
        self.plan.levels.append(level)
        return level

    # -- entities ----------------------------------------------------------------------------

    def entity(
        self, level: _Level, alias: sa.FromClause, shape: Shape, cached: bool
    ) -> _EntityPlan:
        entity_type = shape.entity_type
        plan = _EntityPlan(self.plan.entity_count, entity_type, cached)
        self.plan.entity_count += 1
        columns = level.columns
        plan.key_positions = tuple(
            columns.column(alias, _column_of(entity_type, name))
            for name in entity_type.primary_key
        )
        plan.discriminators = [
            (parent, columns.column(alias, column), mapping)
            for parent, column, mapping in entity_type.discriminators
        ]
        for member_name in entity_type.members:
            member = self.model.types[member_name]
            plan.by_type[member_name] = self._emitters(level, alias, shape, member)
        return plan

    def _emitters(
        self, level: _Level, alias: sa.FromClause, shape: Shape, member: EntityType
    ) -> _Emitters:
        emitters = _Emitters(member.name)
        written = set()
        for name in _minimal_names(shape.entity_type, member):
            attribute = member.attributes.get(name)
            if attribute is not None and attribute.is_stored and name not in written:
                self._scalar(emitters, level, alias, member, attribute)
                written.add(name)
        for name, branches in shape.branches.items():
            for branch in branches:
                if branch.members is not None and member.name not in branch.members:
                    continue
                if name in written:
                    continue
                written.add(name)
                self._branch(emitters, level, alias, member, branch)
        return emitters

    def _scalar(
        self,
        emitters: _Emitters,
        level: _Level,
        alias: sa.FromClause,
        member: EntityType,
        attribute: Attribute,
    ) -> None:
        columns = level.columns
        rule = computed.rule_of(attribute)
        if rule in computed.SQL_RULES:
            position = columns.add(
                ("rule", alias, rule), computed.sql_value(rule, self.metadata, alias)
            )
            emitters.scalars.append(
                (attribute.name, position, _CONVERTERS.get(attribute.data_type))
            )
        elif rule == "link":
            batch = self._link_batch(level, alias, member)
            name_column = _column_of(member, "name") if "name" in member.attributes else None
            emitters.links.append(
                (
                    attribute.name,
                    batch,
                    columns.column(alias, "id"),
                    None if name_column is None else columns.column(alias, name_column),
                )
            )
        elif rule is not None:
            source = computed.source_column(rule, member)
            position = None if source is None else columns.column(alias, source)
            emitters.row_rules.append((attribute.name, rule, position))
        elif attribute.column is not None:
            position = columns.column(alias, attribute.column)
            emitters.scalars.append(
                (attribute.name, position, _CONVERTERS.get(attribute.data_type))
            )
        else:
            emitters.row_rules.append((attribute.name, "none", None))

    def _branch(
        self,
        emitters: _Emitters,
        level: _Level,
        alias: sa.FromClause,
        member: EntityType,
        branch: Branch,
    ) -> None:
        attribute = branch.attribute
        if attribute.kind is Kind.SCALAR:
            self._scalar(emitters, level, alias, member, attribute)
        elif attribute.kind is Kind.REFERENCE:
            key = (level.index, alias, id(branch))
            plan = self._references.get(key)
            if plan is None:
                target = level.scope.join(alias, attribute, branch.target)
                plan = self._references[key] = self.entity(level, target, branch.shape, True)
            emitters.references.append((attribute.name, plan))
        else:
            key = (level.index, alias, id(branch))
            found = self._collections.get(key)
            if found is None:
                found = self._collections[key] = self._collection(level, alias, member, branch)
            child, owner_column = found
            emitters.collections.append(
                (
                    attribute.name,
                    child.index,
                    level.columns.add(("key", owner_column), owner_column),
                )
            )

    def _link_batch(
        self, level: _Level, alias: sa.FromClause, member: EntityType
    ) -> Optional[int]:
        key = (level.index, alias)
        batch = self._link_batches.get(key)
        if batch is None:
            statement = computed.link_statement(
                self.metadata, member, level.key_source(alias.c.id)
            )
            batch = _LinkBatch(len(self.plan.link_batches), statement)
            self.plan.link_batches.append(batch)
            self._link_batches[key] = batch
        return batch.index if batch.statement is not None else None

    # -- collections -------------------------------------------------------------------------

    def _collection(
        self, level: _Level, owner: sa.FromClause, member: EntityType, branch: Branch
    ) -> Tuple[_Level, Any]:
        """A child level for the items of ``branch``; returns it and the owner key column."""
        attribute = branch.attribute
        target = branch.target
        relation = attribute.relation
        compiler = self.compiler
        if _is_dense(attribute, target):
            owner_column = owner.c.id
            kind = target.fixed_values.get("_kind", "context")
            items = computed.dense_custom_attribute_values(
                self.metadata, member, kind, level.key_source(owner_column)
            )
            scope = Scope(compiler, target, items)
            child = self.new_level(
                scope, None, [items.c.configuration_id, items.c.entity_id], owner=items.c._owner
            )
        else:
            items = compiler.table(target).alias()
            restriction = type_condition(self.model, items, (target.name,))
            if isinstance(relation, Inverse):
                owner_column = owner.c[relation.local_columns[0]]
                link_column = items.c[relation.columns[0]]
                scope = Scope(compiler, target, items)
                fixed = [items.c[column] == value for column, value in relation.where]
            elif isinstance(relation, Through):
                owner_column = owner.c[relation.local_key]
                link = self.metadata.tables[relation.table].alias()
                source = link.join(items, items.c[relation.remote_key] == link.c[relation.remote])
                scope = Scope(compiler, target, items, source, own=(link,))
                link_column = link.c[relation.local]
                fixed = []
            elif isinstance(relation, Closure):
                owner_column = owner.c.id
                closure = self.metadata.tables["context_closure"].alias()
                if relation.direction == "ancestors":
                    link_column, far = closure.c.descendant_id, closure.c.ancestor_id
                else:
                    link_column, far = closure.c.ancestor_id, closure.c.descendant_id
                source = closure.join(items, items.c.id == far)
                scope = Scope(compiler, target, items, source, own=(closure,))
                fixed = [far != link_column]
            else:
                raise ParseError(f'Invalid operator: cannot project "{attribute.name}"')
            where = sa.and_(link_column.in_(level.key_source(owner_column)), *fixed)
            if restriction is not None:
                where = sa.and_(where, restriction)
            order = [items.c[_column_of(target, name)] for name in target.primary_key]
            child = self.new_level(scope, where, order, owner=link_column)
        child.entity = self.entity(child, items, branch.shape, cached=False)
        return child, owner_column


def _is_dense(attribute: Attribute, target: EntityType) -> bool:
    return attribute.kind is Kind.MAPPED and target.table == "custom_attribute_value"


def _column_of(entity_type: EntityType, name: str) -> str:
    attribute = entity_type.attributes.get(name)
    if attribute is not None and attribute.column is not None:
        return attribute.column
    return name


def _minimal_names(declared: EntityType, member: EntityType) -> List[str]:
    """Key, system projections and classifier attributes (protocol.md 3.2)."""
    names = list(member.primary_key) + list(member.system_projections)
    names.extend(column for _parent, column, _mapping in declared.discriminators)
    names.extend(column for column, _value in member.conditions)
    return names


# -- building plans ----------------------------------------------------------------------------


def build_plan(compiler: Compiler, compiled: CompiledQuery) -> Plan:
    """Turn a compiled query into statements and assembly steps."""
    if compiled.offset is not None:
        compiled.offset = min(compiled.offset, LARGEST_PAGING)
    if compiled.limit is not None:
        compiled.limit = min(compiled.limit, LARGEST_PAGING)
    plan = Plan(compiled)
    scope = compiled.scope
    if compiled.aggregate is not None:
        aggregate = compiled.aggregate
        statement = (
            sa.select(
                *(column.expression.label(f"c{i}") for i, column in enumerate(aggregate.columns))
            )
            .select_from(scope.from_clause)
            .group_by(*aggregate.group_by)
            .order_by(*compiled.order_by)
        )
        if compiled.where is not None:
            statement = statement.where(compiled.where)
        if compiled.offset:
            statement = statement.offset(compiled.offset)
        if compiled.limit is not None:
            statement = statement.limit(compiled.limit + 1)
        plan.aggregate_statement = statement
        return plan
    builder = _PlanBuilder(compiler, plan)
    root = builder.new_level(scope, compiled.where, compiled.order_by)
    root.offset = compiled.offset
    root.limit = compiled.limit
    root.entity = builder.entity(root, scope.alias, compiled.shape, cached=False)
    for level in plan.levels:
        if level is root:
            fetch = None if compiled.limit is None else compiled.limit + 1
            level.finish(fetch)
        else:
            level.finish(None)
    return plan


class _PlanCache:
    """A small thread-safe LRU of plans keyed by model identity and text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Optional[Plan]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, plan: Plan) -> None:
        with self._lock:
            self._entries[key] = plan
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


_PLANS = _PlanCache(_CACHE_SIZE)


def plan_for_expression(model: Model, expression: str) -> Plan:
    """The (cached) plan of a query expression."""
    key = (id(model), "query", expression)
    cacheable = len(expression) <= CACHEABLE_LENGTH
    plan = _PLANS.get(key) if cacheable else None
    if plan is not None and plan.model is model:
        return plan
    query = grammar.parse(expression)
    compiler = Compiler(model)
    compiled = compile_query(model, query, expression)
    plan = build_plan(compiler, compiled)
    plan.model = model
    if query.offset is not None or query.limit is not None:
        plan.unpaged = ast.render(dataclasses.replace(query, offset=None, limit=None))
    if cacheable:
        _PLANS.put(key, plan)
    return plan


def plan_for_keys(model: Model, entity_type: EntityType, projections: Tuple[str, ...]) -> Plan:
    """The (cached) plan reading entities of ``entity_type`` by key with ``projections``."""
    key = (id(model), "keys", entity_type.name, projections)
    plan = _PLANS.get(key)
    if plan is not None and plan.model is model:
        return plan
    compiler = Compiler(model)
    scope = compiler.root_scope(entity_type)
    keys = sa.bindparam(KEYS_PARAMETER, expanding=True)
    key_columns = [
        scope.alias.c[_column_of(entity_type, name)] for name in entity_type.primary_key
    ]
    if len(key_columns) == 1:
        match = key_columns[0].in_(keys)
    else:
        match = sa.tuple_(*key_columns).in_(keys)
    restriction = type_condition(model, scope.alias, (entity_type.name,))
    where = match if restriction is None else sa.and_(match, restriction)
    paths = []
    for text in projections:
        try:
            paths.append(ast.Path.from_string(text))
        except ValueError:
            raise ParseError(f'Unknown attribute "{text}" on entity type "{entity_type.name}"')
    shape = compiler.shape(entity_type, paths)
    compiled = CompiledQuery(entity_type, scope, where, [], None, None, shape=shape)
    plan = build_plan(compiler, compiled)
    plan.model = model
    _PLANS.put(key, plan)
    return plan


# -- public API --------------------------------------------------------------------------------


def execute_query(connection: Connection, model: Model, expression: str, context: Any) -> dict:
    """Run a query expression; return the ``query`` action result (protocol.md 4.3)."""
    plan = plan_for_expression(model, expression)
    compiled = plan.compiled
    cache = getattr(context, "page_keys", None)
    if plan.aggregate_statement is not None:
        data, more = plan.run_aggregate(connection)
    elif cache is not None and plan.levels[0].all_keys is not None and plan.unpaged:
        data, more = _run_page(connection, plan, context, cache)
    else:
        data, more = plan.run(connection, context)
    offset = compiled.offset or 0
    next_offset = offset + len(data) if more and data else None
    return {"action": "query", "data": data, "metadata": {"next": {"offset": next_offset}}}


def _run_page(connection: Connection, plan: Plan, context: Any, cache: Any) -> Tuple[list, bool]:
    """A page of a paged query, from the cached ordered keys of its expression."""
    cache_key = (id(plan.model), plan.unpaged)
    keys = cache.get(cache_key)
    if keys is None:
        generation = cache.generation
        keys = connection.execute(plan.levels[0].all_keys).scalars().all()
        cache.put(cache_key, keys, generation)
    offset = plan.compiled.offset or 0
    limit = plan.compiled.limit
    window = keys[offset:] if limit is None else keys[offset : offset + limit + 1]
    page = window if limit is None else window[:limit]
    if not page:
        return [], False
    data, _more = plan.run(connection, context, {PAGE_KEYS_PARAMETER: page}, by_keys=True)
    return data, limit is not None and len(window) > limit


def load_entities(
    connection: Connection,
    model: Model,
    type_name: str,
    keys: Sequence[Sequence[Any]],
    projections: Sequence[str],
    context: Any,
) -> List[Dict[str, Any]]:
    """Encode the entities with primary ``keys`` (in that order) with ``projections``.

    Keys are tuples of key values in ``primary_key`` order, as strings or native
    values; keys that match nothing are skipped. Each entity comes back as its
    concrete type, with the minimal set of protocol.md 3.2 plus the projections.
    """
    entity_type = model.types.get(type_name)
    if entity_type is None:
        raise ParseError(f'Unknown entity type "{type_name}"')
    key_types = [entity_type.attributes[name].data_type for name in entity_type.primary_key]
    wanted = []
    for key in keys:
        try:
            wanted.append(
                tuple(to_storage(value, data_type) for value, data_type in zip(key, key_types))
            )
        except ValueError:
            continue
    if not wanted:
        return []
    plan = plan_for_keys(model, entity_type, tuple(projections))
    single = len(key_types) == 1
    parameters = {KEYS_PARAMETER: [key[0] for key in wanted] if single else wanted}
    entities, _more = plan.run(connection, context, parameters)
    by_key = {}
    for entity in entities:
        by_key[tuple(entity[name] for name in entity_type.primary_key)] = entity
    return [by_key[key] for key in wanted if key in by_key]
