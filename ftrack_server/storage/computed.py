"""Values the server derives instead of storing (``overlay.COMPUTED``).

Two families of rules:

* SQL rules (``time_logged``, ``bid_time_logged_difference``, ``is_latest_version``
  and the ``Asset.latest_version`` reference) become correlated SQL expressions over
  the owner's table alias, so criteria, ``order by`` and projections can all use them.
* Python rules (``link``/``_link``, ``thumbnail_url``, ``url``) are worked out after
  loading: they may be projected but never filtered or ordered on.

Dense custom attribute items (one per applicable configuration, protocol.md 4.5) are
derived data as well; :func:`dense_custom_attribute_values` builds them as a derived
table shaped like ``custom_attribute_value``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa

from ftrack_server.model.types import Computed, EntityType

#: Rules with an SQL expression (usable in criteria and ``order by``).
SQL_RULES = frozenset({"time_logged", "bid_time_logged_difference", "is_latest_version"})
#: Rules computed in Python after loading (projection only).
PYTHON_RULES = frozenset({"link", "thumbnail_url", "url"})
#: Reference rules: the target's key as an SQL expression.
REFERENCE_RULES = frozenset({"latest_version"})

#: Link chains longer than this are cut (protects against a cyclic parent chain).
MAX_LINK_DEPTH = 64

# What a custom attribute configuration's ``entity_type`` applies to, per value kind.
_CONFIGURATION_ENTITY_TYPES = {
    "asset": ("asset",),
    "assetversion": ("assetversion",),
    "user": ("user",),
    "list": ("list",),
    "listobject": ("listobject",),
}
# Value kinds that also receive hierarchical configurations.
_HIERARCHICAL_KINDS = ("context", "asset", "assetversion")


def rule_of(attribute: Any) -> Optional[str]:
    """The computed rule name of ``attribute`` or None."""
    relation = attribute.relation
    return relation.rule if isinstance(relation, Computed) else None


# -- SQL rules ------------------------------------------------------------------------------


def sql_value(rule: str, tables: Any, alias: sa.FromClause) -> sa.ColumnElement:
    """The value of an SQL rule for the row of ``alias`` (a correlated expression).

    ``tables`` is the SQLAlchemy ``MetaData`` holding the model's tables.
    """
    if rule == "time_logged":
        return _time_logged(tables, alias)
    if rule == "bid_time_logged_difference":
        bid = sa.func.coalesce(alias.c.bid, 0.0)
        return sa.type_coerce(bid - _time_logged(tables, alias), sa.Float)
    if rule == "is_latest_version":
        versions = tables.tables["asset_version"].alias()
        highest = (
            sa.select(sa.func.max(versions.c.version))
            .where(versions.c.asset_id == alias.c.asset_id)
            .correlate_except(versions)
            .scalar_subquery()
        )
        return sa.case((alias.c.version == highest, sa.true()), else_=sa.false())
    raise KeyError(rule)


def _time_logged(tables: Any, alias: sa.FromClause) -> sa.ColumnElement:
    timelogs = tables.tables["timelog"].alias()
    total = (
        sa.select(sa.func.sum(timelogs.c.duration))
        .where(timelogs.c.context_id == alias.c.id)
        .correlate_except(timelogs)
        .scalar_subquery()
    )
    return sa.type_coerce(sa.func.coalesce(total, 0.0), sa.Float)


def reference_key(rule: str, tables: Any, alias: sa.FromClause) -> sa.ColumnElement:
    """The primary key of the entity a computed reference points at."""
    if rule == "latest_version":
        versions = tables.tables["asset_version"].alias()
        return (
            sa.select(versions.c.id)
            .where(versions.c.asset_id == alias.c.id)
            .order_by(versions.c.version.desc().nulls_last(), versions.c.id)
            .limit(1)
            .correlate_except(versions)
            .scalar_subquery()
        )
    raise KeyError(rule)


# -- Python rules ---------------------------------------------------------------------------


def source_column(rule: str, entity_type: EntityType) -> Optional[str]:
    """The stored column a per-row Python rule reads (None when the type has none)."""
    if rule == "thumbnail_url":
        candidates = ("thumbnail_id", "component_id")
    elif rule == "url":
        candidates = ("component_id",)
    else:
        return None
    for name in candidates:
        attribute = entity_type.attributes.get(name)
        if attribute is not None and attribute.is_stored:
            return attribute.column
    return None


def row_value(rule: str, value: Any, context: Any) -> Any:
    """The wire value of ``thumbnail_url``/``url`` given its source column value."""
    if value is None:
        return None
    url = context.thumbnail_url(value) if rule == "thumbnail_url" else context.component_url(value)
    return None if url is None else {"url": url}


# -- links --------------------------------------------------------------------------------------

# A link statement selects (owner, id, name, kind, depth, number) rows; depth 0 is the
# entity itself and grows towards the root.
LinkRows = Sequence[Tuple[Any, ...]]


def link_statement(tables: Any, entity_type: EntityType, key_source: Any) -> Optional[sa.Select]:
    """One statement returning the link chain rows of every entity in ``key_source``.

    ``key_source`` is a selectable of primary keys (or a list of them). Returns None
    for types without a known chain (the link is then a single item).
    """
    if entity_type.table == "context":
        context = tables.tables["context"]
        return _chain(context, "context", key_source)
    if entity_type.table == "resource":
        resource = tables.tables["resource"]
        return _chain(resource, "resource", key_source)
    if entity_type.table == "asset_version":
        return _version_link(tables, key_source)
    return None


def _kind_of(table_name: str, alias: sa.FromClause) -> sa.ColumnElement:
    if table_name == "context":
        return alias.c.context_type
    if table_name == "resource":
        return alias.c.resource_type
    return sa.literal(table_name)


def _chain(table: sa.Table, table_name: str, key_source: Any) -> sa.Select:
    """Walk ``parent_id`` upwards from each entity with a recursive CTE."""
    node = table.alias()
    anchor = sa.select(
        node.c.id.label("owner"),
        node.c.id.label("id"),
        node.c.parent_id.label("parent_id"),
        node.c.name.label("name"),
        _kind_of(table_name, node).label("kind"),
        sa.literal(0).label("depth"),
    ).where(node.c.id.in_(key_source))
    return _walk_up(table, table_name, anchor, "link_chain")


def _walk_up(table: sa.Table, table_name: str, anchor: sa.Select, name: str) -> sa.Select:
    chain = anchor.cte(name, recursive=True)
    parent = table.alias()
    chain = chain.union_all(
        sa.select(
            chain.c.owner,
            parent.c.id,
            parent.c.parent_id,
            parent.c.name,
            _kind_of(table_name, parent),
            chain.c.depth + 1,
        ).where(parent.c.id == chain.c.parent_id, chain.c.depth < MAX_LINK_DEPTH)
    )
    return sa.select(
        chain.c.owner,
        chain.c.id,
        chain.c.name,
        chain.c.kind,
        chain.c.depth,
        sa.null().label("number"),
    )


def _version_link(tables: Any, key_source: Any) -> sa.Select:
    """Version link: the asset's context chain, then the version itself.

    The asset is not an item of its own: the version's item is named after the
    asset and the version number (clients such as the standard structure take the
    contexts from ``link[1:-1]`` and add the asset name themselves).
    """
    versions = tables.tables["asset_version"].alias()
    assets = tables.tables["asset"].alias()
    version_rows = (
        sa.select(
            versions.c.id.label("owner"),
            versions.c.id.label("id"),
            assets.c.name.label("name"),
            sa.literal("AssetVersion").label("kind"),
            sa.literal(0).label("depth"),
            versions.c.version.label("number"),
        )
        .select_from(versions.outerjoin(assets, assets.c.id == versions.c.asset_id))
        .where(versions.c.id.in_(key_source))
    )
    return sa.union_all(version_rows, _version_context_chain(tables, key_source))


def _version_context_chain(tables: Any, key_source: Any) -> sa.Select:
    context = tables.tables["context"]
    versions = tables.tables["asset_version"].alias()
    assets = tables.tables["asset"].alias()
    node = context.alias()
    anchor = (
        sa.select(
            versions.c.id.label("owner"),
            node.c.id.label("id"),
            node.c.parent_id.label("parent_id"),
            node.c.name.label("name"),
            node.c.context_type.label("kind"),
            sa.literal(1).label("depth"),
        )
        .select_from(
            versions.join(assets, assets.c.id == versions.c.asset_id).join(
                node, node.c.id == assets.c.context_id
            )
        )
        .where(versions.c.id.in_(key_source))
    )
    return _walk_up(context, "context", anchor, "version_link_chain")


_LINK_TYPES = {"show": "Project", "task": "TypedContext", "user": "User", "group": "Group"}


def group_links(rows: LinkRows) -> Dict[Any, List[Dict[str, Any]]]:
    """Turn link statement rows into ``owner -> [{"id", "name", "type"}, ...]`` (root first)."""
    chains: Dict[Any, List[Tuple[Any, ...]]] = {}
    for row in rows:
        chains.setdefault(row[0], []).append(row)
    links = {}
    for owner, items in chains.items():
        items.sort(key=lambda item: -item[4])
        links[owner] = [_link_item(item) for item in items]
    return links


def _link_item(row: Tuple[Any, ...]) -> Dict[str, Any]:
    _owner, identifier, name, kind, _depth, number = row
    if kind == "AssetVersion":
        label = f"v{number:03d}" if isinstance(number, int) else str(number)
        name = f"{name} {label}" if name else label
        return {"id": identifier, "name": name, "type": "AssetVersion"}
    return {"id": identifier, "name": name, "type": _LINK_TYPES.get(kind, kind)}


def single_link(entity_type_name: str, identifier: Any, name: Any) -> List[Dict[str, Any]]:
    """The link of an entity without a chain: itself only."""
    return [{"id": identifier, "name": name, "type": entity_type_name}]


# -- dense custom attributes ----------------------------------------------------------------


def dense_custom_attribute_values(
    tables: Any, owner: EntityType, kind: str, key_source: Any
) -> sa.Subquery:
    """One row per (owner in ``key_source``, applicable configuration).

    Columns mirror ``custom_attribute_value`` (``configuration_id``, ``entity_id``,
    ``key``, ``value``, ``_kind``) plus ``_owner``; ``value`` is the stored value or,
    when nothing is stored, the configuration's ``default``. Applicability follows
    protocol.md 4.5: the configuration's ``entity_type`` (and ``object_type_id`` for
    typed contexts), global or same-project configurations, and hierarchical
    configurations for contexts, assets and versions.
    """
    owners = tables.tables[owner.table].alias()
    configurations = tables.tables["custom_configuration"].alias()
    stored = tables.tables["custom_attribute_value"].alias()
    applies = _applies(kind, owners, configurations)
    if kind in _HIERARCHICAL_KINDS:
        applies = sa.or_(applies, configurations.c.is_hierarchical == sa.true())
    project = _owner_project(tables, kind, owners)
    if project is None:
        in_scope = configurations.c.project_id.is_(None)
    else:
        in_scope = sa.or_(
            configurations.c.project_id.is_(None), configurations.c.project_id == project
        )
    value = sa.case(
        (stored.c.configuration_id.is_(None), configurations.c.default),
        else_=stored.c.value,
    )
    source = owners.join(
        configurations,
        sa.and_(configurations.c._kind == "attribute", applies, in_scope),
    ).outerjoin(
        stored,
        sa.and_(
            stored.c.configuration_id == configurations.c.id,
            stored.c.entity_id == owners.c.id,
        ),
    )
    return (
        sa.select(
            configurations.c.id.label("configuration_id"),
            owners.c.id.label("entity_id"),
            configurations.c.key.label("key"),
            value.label("value"),
            sa.literal(kind).label("_kind"),
            owners.c.id.label("_owner"),
        )
        .select_from(source)
        .where(owners.c.id.in_(key_source))
        .subquery()
    )


def _applies(kind: str, owners: sa.FromClause, configurations: sa.FromClause) -> Any:
    entity_type = configurations.c.entity_type
    if kind == "context":
        return sa.or_(
            sa.and_(entity_type == "show", owners.c.context_type == "show"),
            sa.and_(
                entity_type == "task",
                owners.c.context_type == "task",
                sa.or_(
                    configurations.c.object_type_id.is_(None),
                    configurations.c.object_type_id == owners.c.object_type_id,
                ),
            ),
        )
    return entity_type.in_(_CONFIGURATION_ENTITY_TYPES.get(kind, (kind,)))


def _context_project(context: sa.FromClause) -> sa.ColumnElement:
    return sa.case((context.c.context_type == "show", context.c.id), else_=context.c.project_id)


def _owner_project(tables: Any, kind: str, owners: sa.FromClause) -> Optional[sa.ColumnElement]:
    """The project an owner belongs to (for project-scoped configurations)."""
    if kind == "context":
        return _context_project(owners)
    if kind == "list":
        return owners.c.project_id
    if kind in ("asset", "assetversion"):
        context = tables.tables["context"].alias()
        if kind == "asset":
            return (
                sa.select(_context_project(context))
                .where(context.c.id == owners.c.context_id)
                .correlate_except(context)
                .scalar_subquery()
            )
        assets = tables.tables["asset"].alias()
        return (
            sa.select(_context_project(context))
            .select_from(context.join(assets, assets.c.context_id == context.c.id))
            .where(assets.c.id == owners.c.asset_id)
            .correlate_except(context, assets)
            .scalar_subquery()
        )
    return None
