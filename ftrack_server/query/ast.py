"""The syntax tree of a query expression, and how to write one back as text.

The grammar turns an expression into these small immutable values; the compiler later
resolves their names against the entity model. Nothing here knows the schema: attribute
and type names are kept exactly as written, keywords and operators are normalised.

Every node is a frozen, hashable dataclass, so a parsed query can be cached and shared
between threads, and nodes can serve as dictionary keys (group-by and aggregate keys).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Optional, Tuple, Union

if sys.version_info >= (3, 10):
    _node = dataclass(frozen=True, slots=True)
else:  # pragma: no cover - Python 3.9 has no slotted dataclasses
    _node = dataclass(frozen=True)

#: Normalised comparison operators (``=`` and ``is`` are both ``"is"``, and so on).
COMPARISON_OPERATORS = ("is", "is_not", "gt", "lt", "ge", "le", "like", "not_like")

#: Aggregate functions a projection may apply to a path.
AGGREGATE_FUNCTIONS = ("count", "sum", "avg", "min", "max")

#: Kinds of literal, classified as section 2.4 of the query language says.
LITERAL_KINDS = ("string", "integer", "number", "boolean", "null", "bare")

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_SEGMENT = re.compile(rf"({_IDENTIFIER})(?:\[({_IDENTIFIER})\])?")
_PATH = re.compile(rf"{_SEGMENT.pattern}(?:\.{_SEGMENT.pattern})*")


@_node
class Segment:
    """One step of an attribute path, optionally cast to a type: ``parent[Shot]``."""

    name: str
    cast: Optional[str] = None

    def __str__(self) -> str:
        return self.name if self.cast is None else f"{self.name}[{self.cast}]"


@_node
class Path:
    """A dotted attribute path such as ``parent[TypedContext].status.name``."""

    segments: Tuple[Segment, ...]

    @classmethod
    def from_string(cls, text: str) -> Path:
        """Build a path from its dotted text; raise :exc:`ValueError` if malformed."""
        if not _PATH.fullmatch(text):
            raise ValueError(f"Not an attribute path: {text!r}")
        return cls(tuple(Segment(name, cast or None) for name, cast in _SEGMENT.findall(text)))

    def __str__(self) -> str:
        return ".".join(str(segment) for segment in self.segments)


@_node
class Aggregate:
    """An aggregate projection or order target: ``count(id)``."""

    function: str
    path: Path

    def __str__(self) -> str:
        return f"{self.function}({self.path})"


@_node
class OrderItem:
    """One ``order by`` key and its direction."""

    target: Union[Path, Aggregate]
    descending: bool = False


@_node
class Literal:
    """A value written in an expression.

    ``kind`` is one of :data:`LITERAL_KINDS`. ``value`` is the Python value (``str`` for
    strings and bare values, ``int``, ``float``, ``bool`` or ``None``); ``text`` is the
    value as written (without quotes, escapes processed), so that ``name is 001`` can
    compare a string attribute with ``"001"`` rather than ``"1"``.
    """

    kind: str
    value: Union[str, int, float, bool, None]
    text: str


@_node
class Comparison:
    """``path <operator> value`` with ``operator`` in :data:`COMPARISON_OPERATORS`."""

    path: Path
    operator: str
    value: Literal


@_node
class SubQuery:
    """``select <path> from <Type> ...`` used as the right side of ``in``/``not_in``."""

    path: Path
    entity_type: str
    where: Optional[Expr] = None
    order_by: Tuple[OrderItem, ...] = ()
    offset: Optional[int] = None
    limit: Optional[int] = None


@_node
class Membership:
    """``path in (...)`` or, when ``negated``, ``path not_in (...)``."""

    path: Path
    negated: bool
    values: Union[Tuple[Literal, ...], SubQuery]


@_node
class Relation:
    """``path has (...)`` (``kind`` ``"has"``) or ``path any (...)`` (``kind`` ``"any"``).

    ``criteria`` is ``None`` for empty parentheses.
    """

    path: Path
    kind: str
    criteria: Optional[Expr]


@_node
class And:
    """All of ``items`` hold (at least two items, none of them an :class:`And`)."""

    items: Tuple[Expr, ...]


@_node
class Or:
    """Any of ``items`` holds (at least two items, none of them an :class:`Or`)."""

    items: Tuple[Expr, ...]


@_node
class Not:
    """``item`` does not hold."""

    item: Expr


@_node
class Query:
    """A whole expression.

    ``projections`` is ``None`` for the select-less form (``Task where ...``), which
    means the type's default projections.
    """

    projections: Optional[Tuple[Union[Path, Aggregate], ...]]
    entity_type: str
    where: Optional[Expr] = None
    group_by: Tuple[Path, ...] = ()
    order_by: Tuple[OrderItem, ...] = ()
    offset: Optional[int] = None
    limit: Optional[int] = None


Expr = Union[And, Or, Not, Comparison, Membership, Relation]
Projection = Union[Path, Aggregate]
Node = Union[Query, SubQuery, Expr, OrderItem, Literal, Path, Aggregate, Segment]

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


def render(node: Node) -> str:
    """Write ``node`` back as expression text that parses to an equal tree.

    The output is canonical (lower-case keywords, symbolic ordering operators,
    double-quoted strings, parentheses only where precedence needs them); it is meant
    for logs, error messages and tests.
    """
    if isinstance(node, Query):
        return _render_query(node)
    if isinstance(node, SubQuery):
        return _render_subquery(node)
    if isinstance(node, OrderItem):
        return _render_order_item(node)
    if isinstance(node, Literal):
        return _render_literal(node)
    if isinstance(node, (Path, Aggregate, Segment)):
        return str(node)
    return _render_expr(node)


def _render_query(query: Query) -> str:
    if query.projections is None:
        parts = [query.entity_type]
    else:
        projections = ", ".join(str(projection) for projection in query.projections)
        parts = ["select", projections, "from", query.entity_type]
    if query.where is not None:
        parts += ["where", _render_expr(query.where)]
    if query.group_by:
        parts += ["group by", ", ".join(str(path) for path in query.group_by)]
    parts += _render_tail(query.order_by, query.offset, query.limit)
    return " ".join(parts)


def _render_subquery(subquery: SubQuery) -> str:
    parts = ["select", str(subquery.path), "from", subquery.entity_type]
    if subquery.where is not None:
        parts += ["where", _render_expr(subquery.where)]
    parts += _render_tail(subquery.order_by, subquery.offset, subquery.limit)
    return " ".join(parts)


def _render_tail(
    order_by: Tuple[OrderItem, ...], offset: Optional[int], limit: Optional[int]
) -> list:
    parts = []
    if order_by:
        parts += ["order by", ", ".join(_render_order_item(item) for item in order_by)]
    if offset is not None:
        parts += ["offset", str(offset)]
    if limit is not None:
        parts += ["limit", str(limit)]
    return parts


def _render_order_item(item: OrderItem) -> str:
    return f"{item.target} desc" if item.descending else str(item.target)


def _render_literal(literal: Literal) -> str:
    if literal.kind == "string":
        escaped = literal.text.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return literal.text


def _render_expr(expr: Expr) -> str:
    if isinstance(expr, Or):
        return " or ".join(_render_operand(item, (Or,)) for item in expr.items)
    if isinstance(expr, And):
        return " and ".join(_render_operand(item, (And, Or)) for item in expr.items)
    if isinstance(expr, Not):
        return f"not {_render_operand(expr.item, (And, Or))}"
    if isinstance(expr, Comparison):
        operator = _OPERATOR_TEXT[expr.operator]
        return f"{expr.path} {operator} {_render_literal(expr.value)}"
    if isinstance(expr, Membership):
        operator = "not_in" if expr.negated else "in"
        if isinstance(expr.values, SubQuery):
            members = _render_subquery(expr.values)
        else:
            members = ", ".join(_render_literal(value) for value in expr.values)
        return f"{expr.path} {operator} ({members})"
    if isinstance(expr, Relation):
        criteria = "" if expr.criteria is None else _render_expr(expr.criteria)
        return f"{expr.path} {expr.kind} ({criteria})"
    raise TypeError(f"Not a query node: {expr!r}")


def _render_operand(expr: Expr, grouped: tuple) -> str:
    text = _render_expr(expr)
    return f"({text})" if isinstance(expr, grouped) else text
