"""The context tree as a closure table, kept in step with ``context.parent_id``.

Convention (shared with the query side, which reads ``ancestors``/``descendants``):

* ``context_closure(ancestor_id, descendant_id, depth)`` holds one row for every
  pair of contexts where ``ancestor_id`` is on the path from ``descendant_id`` up to
  its root (its Project), ``depth`` (>= 1) being the number of parent steps between
  them. A context has **no row for itself**: a new Task under a Shot adds three rows
  rather than four, and the self rows' random ids would otherwise spread every batch
  of creates over the whole ancestor index.
* ``ancestors`` of X = rows with ``descendant_id = X``, ordered by ``depth``
  descending (root first); ``descendants`` of X = rows with ``ancestor_id = X``; the
  parent is the row at depth 1. Where a statement needs X itself too (a subtree, a
  move), X is added to the select.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.errors import ValidationError

COLUMNS = ("ancestor_id", "descendant_id", "depth")
CHUNK = 500  # ids per IN list: far below every backend's bound-parameter limit


# A context's ``(ancestor, depth)`` pairs, nearest first.
Chain = Tuple[Tuple[str, int], ...]


class Chains:
    """The ancestor chains of contexts known in one batch (see :func:`new_node_rows`).

    New children of one parent share their chain: a batch creating a thousand Tasks
    under one Shot works it out once.
    """

    def __init__(self) -> None:
        self.of: Dict[str, Chain] = {}  # context -> its chain
        self.of_children: Dict[str, Chain] = {}  # context -> the chain of its children

    def clear(self) -> None:
        """Forget every chain (the tree changed shape)."""
        self.of.clear()
        self.of_children.clear()


def new_node_rows(
    connection: Any,
    closure: sa.Table,
    node_id: str,
    parent_id: Optional[str],
    known: Chains,
) -> List[Dict[str, Any]]:
    """The closure rows of a new context, worked out without a statement when possible.

    ``known`` holds the chains of contexts of the current batch; a parent not in it is
    read once. The new node's chain is added.
    """
    chain = () if parent_id is None else known.of_children.get(parent_id)
    if chain is None:
        parent_chain = known.of.get(parent_id)
        if parent_chain is None:
            parent_chain = known.of[parent_id] = _read_chain(connection, closure, parent_id)
        chain = ((parent_id, 1), *((ancestor, depth + 1) for ancestor, depth in parent_chain))
        known.of_children[parent_id] = chain
    known.of[node_id] = chain
    return [
        {"ancestor_id": ancestor, "descendant_id": node_id, "depth": depth}
        for ancestor, depth in chain
    ]


def _read_chain(connection: Any, closure: sa.Table, node_id: str) -> Chain:
    """The stored chain of ``node_id``."""
    # A parent queued in this batch is in ``known``: its rows need no flush.
    read = getattr(connection, "execute_unbuffered", connection.execute)
    rows = read(_chain_query(closure), {"node_id": node_id})
    return tuple((row.ancestor_id, row.depth) for row in rows)


@functools.lru_cache(maxsize=8)
def _chain_query(closure: sa.Table) -> sa.Select:
    """The select of a node's chain; one per table, as running a statement again costs
    a fraction of building an equal one."""
    return sa.select(closure.c.ancestor_id, closure.c.depth).where(
        closure.c.descendant_id == sa.bindparam("node_id")
    )


def subtree(closure: sa.Table, node_id: str) -> sa.Select:
    """A select of the ids of ``node_id`` and all its descendants.

    It reads an alias of the table, so it can sit inside statements on the table
    itself without being correlated to them.
    """
    return sa.select(_with_depth(closure, node_id, "ancestor_id", "descendant_id").c.id)


def _with_depth(closure: sa.Table, node_id: str, near: str, far: str) -> sa.Subquery:
    """(id, depth) of ``node_id`` itself (depth 0) and of the rows whose ``near``
    column is ``node_id`` (their ``far`` column)."""
    alias = closure.alias()
    return sa.union_all(
        sa.select(
            sa.literal(node_id, sa.Text).label("id"), sa.literal(0, sa.Integer).label("depth")
        ),
        sa.select(alias.c[far].label("id"), alias.c.depth.label("depth")).where(
            alias.c[near] == node_id
        ),
    ).subquery()


def is_in_subtree(connection: Connection, closure: sa.Table, node_id: str, other_id: str) -> bool:
    """Whether ``other_id`` is ``node_id`` or one of its descendants."""
    if node_id == other_id:
        return True
    query = sa.select(closure.c.depth).where(
        closure.c.ancestor_id == node_id, closure.c.descendant_id == other_id
    )
    return connection.execute(query).first() is not None


def move_subtree(
    connection: Connection,
    closure: sa.Table,
    node_id: str,
    new_parent_id: Optional[str],
    *,
    label: str = "Context",
) -> None:
    """Hang ``node_id`` and its subtree under ``new_parent_id`` (``None``: make it a root).

    Raises ValidationError when the new parent is the node itself or one of its
    descendants (the tree would get a cycle).
    """
    if new_parent_id is not None and is_in_subtree(connection, closure, node_id, new_parent_id):
        raise ValidationError(
            f"Cannot move {label} {node_id} under {new_parent_id}: "
            "a context cannot be its own ancestor."
        )
    members = subtree(closure, node_id)
    # Forget the paths from the subtree to its old ancestors ...
    connection.execute(
        closure.delete().where(
            closure.c.descendant_id.in_(members),
            closure.c.ancestor_id.not_in(members),
        )
    )
    if new_parent_id is None:
        return
    # ... and join the new parent and its ancestors to every member of the subtree.
    above = _with_depth(closure, new_parent_id, "descendant_id", "ancestor_id")
    below = _with_depth(closure, node_id, "ancestor_id", "descendant_id")
    paths = sa.select(above.c.id, below.c.id, above.c.depth + below.c.depth + 1).select_from(
        above.join(below, sa.true())  # every pair: a deliberate cross join
    )
    connection.execute(closure.insert().from_select(list(COLUMNS), paths))


def remove_nodes(connection: Connection, closure: sa.Table, node_ids: Iterable[str]) -> None:
    """Drop every row about deleted contexts (their subtrees are deleted with them)."""
    ids: List[str] = list(node_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        connection.execute(
            closure.delete().where(
                sa.or_(closure.c.descendant_id.in_(chunk), closure.c.ancestor_id.in_(chunk))
            )
        )


def ancestor_rows(
    connection: Connection, closure: sa.Table, contexts: sa.Table, node_ids: Iterable[str]
) -> List[sa.Row]:
    """Rows (descendant_id, depth, id, parent_id, context_type, object_type_id) of the
    given contexts (depth 0) and all their ancestors, nearest first."""
    ids = list(dict.fromkeys(node_ids))
    described = (contexts.c.id, contexts.c.parent_id, contexts.c.context_type)
    rows: List[sa.Row] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        own = sa.select(
            contexts.c.id.label("descendant_id"),
            sa.literal(0, sa.Integer).label("depth"),
            *described,
            contexts.c.object_type_id,
        ).where(contexts.c.id.in_(chunk))
        above = (
            sa.select(
                closure.c.descendant_id, closure.c.depth, *described, contexts.c.object_type_id
            )
            .select_from(closure.join(contexts, contexts.c.id == closure.c.ancestor_id))
            .where(closure.c.descendant_id.in_(chunk))
        )
        query = sa.union_all(own, above).order_by(
            sa.literal_column("descendant_id"), sa.literal_column("depth")
        )
        rows.extend(connection.execute(query))
    return rows


def drop_self_rows(connection: Connection, closure: sa.Table) -> int:
    """Delete the depth-0 rows databases made by earlier versions kept; return how many."""
    return connection.execute(closure.delete().where(closure.c.depth == 0)).rowcount
