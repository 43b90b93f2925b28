"""The context tree as a closure table, kept in step with ``context.parent_id``.

Convention (shared with the query side, which reads ``ancestors``/``descendants``):

* ``context_closure(ancestor_id, descendant_id, depth)`` holds one row for every
  pair of contexts where ``ancestor_id`` is on the path from ``descendant_id`` up to
  its root (its Project), ``depth`` being the number of parent steps between them.
* Every context, Projects included, has its own **self row at depth 0**.
* ``ancestors`` of X = rows with ``descendant_id = X and depth >= 1``, ordered by
  ``depth`` descending (root first); ``descendants`` of X = rows with
  ``ancestor_id = X and depth >= 1``; the parent is the row at depth 1.

Self rows make moves and subtree selections single statements: the subtree of X is
``ancestor_id = X`` including X itself.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.errors import ValidationError

COLUMNS = ("ancestor_id", "descendant_id", "depth")
CHUNK = 500  # ids per IN list: far below every backend's bound-parameter limit


def new_node_rows(
    connection: Any,
    closure: sa.Table,
    node_id: str,
    parent_id: Optional[str],
    known: Dict[str, List[Tuple[str, int]]],
) -> List[Dict[str, Any]]:
    """The closure rows of a new context, worked out without a statement when possible.

    ``known`` maps contexts to their ``(ancestor, depth)`` chains (self included) for
    the current batch; a parent not in it is read once. The new node's chain is added.
    """
    chain = [(node_id, 0)]
    if parent_id is not None:
        parent_chain = known.get(parent_id)
        if parent_chain is None:
            # A parent queued in this batch is in ``known``: its rows need no flush.
            read = getattr(connection, "execute_unbuffered", connection.execute)
            parent_chain = [
                (row.ancestor_id, row.depth)
                for row in read(
                    sa.select(closure.c.ancestor_id, closure.c.depth).where(
                        closure.c.descendant_id == parent_id
                    )
                )
            ]
            known[parent_id] = parent_chain
        chain += [(ancestor, depth + 1) for ancestor, depth in parent_chain]
    known[node_id] = chain
    return [
        {"ancestor_id": ancestor, "descendant_id": node_id, "depth": depth}
        for ancestor, depth in chain
    ]


def add_node(
    connection: Connection, closure: sa.Table, node_id: str, parent_id: Optional[str]
) -> None:
    """Record a new context: its self row plus one row per ancestor of its parent."""
    connection.execute(_add_statement(closure), {"node": node_id, "parent": parent_id})


@functools.cache
def _add_statement(closure: sa.Table) -> sa.Insert:
    """Built once: creates run it once per context."""
    node = sa.bindparam("node", type_=sa.Text)
    own = sa.select(node, node, sa.literal(0, sa.Integer))
    inherited = sa.select(closure.c.ancestor_id, node, closure.c.depth + 1).where(
        closure.c.descendant_id == sa.bindparam("parent", type_=sa.Text)
    )
    return closure.insert().from_select(list(COLUMNS), sa.union_all(inherited, own))


def subtree(closure: sa.Table, node_id: str) -> sa.Select:
    """A select of the ids of ``node_id`` and all its descendants.

    It reads an alias of the table, so it can sit inside statements on the table
    itself without being correlated to them.
    """
    member = closure.alias("member")
    return sa.select(member.c.descendant_id).where(member.c.ancestor_id == node_id)


def is_in_subtree(connection: Connection, closure: sa.Table, node_id: str, other_id: str) -> bool:
    """Whether ``other_id`` is ``node_id`` or one of its descendants."""
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
    # ... and join every new ancestor to every member of the subtree.
    above = closure.alias("above")
    below = closure.alias("below")
    paths = (
        sa.select(above.c.ancestor_id, below.c.descendant_id, above.c.depth + below.c.depth + 1)
        .select_from(above.join(below, sa.true()))  # every pair: a deliberate cross join
        .where(above.c.descendant_id == new_parent_id, below.c.ancestor_id == node_id)
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
    given contexts and all their ancestors, nearest first."""
    ids = list(dict.fromkeys(node_ids))
    rows: List[sa.Row] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = (
            sa.select(
                closure.c.descendant_id,
                closure.c.depth,
                contexts.c.id,
                contexts.c.parent_id,
                contexts.c.context_type,
                contexts.c.object_type_id,
            )
            .select_from(closure.join(contexts, contexts.c.id == closure.c.ancestor_id))
            .where(closure.c.descendant_id.in_(chunk))
            .order_by(closure.c.descendant_id, closure.c.depth)
        )
        rows.extend(connection.execute(query))
    return rows
