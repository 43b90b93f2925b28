"""Property tests for the query grammar.

1. Whatever the text, parsing returns a query or raises ``ParseError``, nothing else.
2. Random trees, written out with random spacing, keyword case, operator spellings,
   quote styles and redundant parentheses, parse back to the same tree.
"""

from __future__ import annotations

import re
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftrack_server.errors import ParseError
from ftrack_server.query.ast import (
    Aggregate,
    And,
    Comparison,
    Literal,
    Membership,
    Not,
    Or,
    OrderItem,
    Path,
    Query,
    Relation,
    Segment,
    SubQuery,
    render,
)
from ftrack_server.query.grammar import parse

KEYWORDS = [
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "is",
    "is_not",
    "in",
    "not_in",
    "like",
    "not_like",
    "has",
    "any",
    "after",
    "before",
    "greater_than",
    "less_than",
    "order",
    "by",
    "asc",
    "ascending",
    "desc",
    "descending",
    "group",
    "offset",
    "limit",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "true",
    "false",
    "none",
    "null",
]

FUZZ_SETTINGS = settings(
    deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)


def _accepts(text: str) -> None:
    """Parse ``text``; anything but a query or a well-formed ParseError fails the test."""
    try:
        query = parse(text)
    except ParseError as error:
        assert error.content.startswith(("Failed to parse", "Invalid subquery"))
        assert "{" not in error.content and "}" not in error.content
    else:
        assert isinstance(query, Query)
        assert parse(render(query)) == query


# --- 1. arbitrary text -------------------------------------------------------------------

# Pieces of the language, so that random text gets deep into the grammar.
_PIECES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(
        ["(", ")", ",", "=", "!=", "!", "<", ">", "<=", ">=", "==", "<>", '"', "'", "\\"]
    ),
    st.sampled_from(["Task", "id", "name", "parent[Shot].name", "a.b", "1", "-2", "3.5", "x"]),
    st.sampled_from(['"x y"', "'it\\'s'", '"a\\"b"', "*", "[", "]", ".", "…", "{", "}"]),
    st.text(max_size=3),
)
_SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n"])


@FUZZ_SETTINGS
@given(st.text())
def test_arbitrary_text_parses_or_raises_parse_error(text):
    _accepts(text)


@FUZZ_SETTINGS
@given(st.lists(st.tuples(_PIECES, _SPACES), max_size=25))
def test_language_like_text_parses_or_raises_parse_error(pieces):
    _accepts("".join(piece + space for piece, space in pieces))


@FUZZ_SETTINGS
@given(
    st.sampled_from(["select id from Task where ", "Task where ", "select ", "Task "]),
    st.lists(st.tuples(_PIECES, _SPACES), max_size=15),
)
def test_text_after_a_valid_prefix_parses_or_raises_parse_error(prefix, pieces):
    _accepts(prefix + "".join(piece + space for piece, space in pieces))


# --- 2. random trees round-trip ----------------------------------------------------------

_WORD_CHARACTERS = r"""[^ \t\r\n(),"'=!<>]"""
_NOT_BARE = re.compile(
    r"[+-]?[0-9]+|[+-]?([0-9]+\.[0-9]*|\.[0-9]+)|(?i:true|false|none|null)", re.ASCII
)

identifiers = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True),
    st.sampled_from(KEYWORDS),
    st.sampled_from(KEYWORDS).map(str.upper),
)
segments = st.builds(Segment, identifiers, st.none() | identifiers)
paths = st.lists(segments, min_size=1, max_size=3).map(lambda items: Path(tuple(items)))


def _is_keyword_not(path: Path) -> bool:
    (first, *rest) = path.segments
    return not rest and first.cast is None and first.name.lower() == "not"


# A condition on a single attribute literally named "not" reads as the keyword where
# both readings start alike (``not is is``); the grammar's tests cover the cases it can.
condition_paths = paths.filter(lambda path: not _is_keyword_not(path))
aggregates = st.builds(Aggregate, st.sampled_from(["count", "sum", "avg", "min", "max"]), paths)


def _integer(text: str) -> Literal:
    return Literal("integer", int(text), text)


def _number(text: str) -> Literal:
    return Literal("number", float(text), text)


literals = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,12}", fullmatch=True).map(_integer),
    st.from_regex(r"[+-]?([0-9]{1,6}\.[0-9]{0,4}|\.[0-9]{1,4})", fullmatch=True).map(_number),
    st.sampled_from(["true", "false", "True", "FALSE"]).map(
        lambda text: Literal("boolean", text.lower() == "true", text)
    ),
    st.sampled_from(["none", "null", "None", "NULL"]).map(
        lambda text: Literal("null", None, text)
    ),
    st.from_regex(rf"{_WORD_CHARACTERS}{{1,12}}", fullmatch=True)
    .filter(lambda text: not _NOT_BARE.fullmatch(text))
    .map(lambda text: Literal("bare", text, text)),
    st.sampled_from(KEYWORDS)
    .filter(lambda text: not _NOT_BARE.fullmatch(text))
    .map(lambda text: Literal("bare", text, text)),
    st.text(max_size=12).map(lambda text: Literal("string", text, text)),
    st.text(alphabet="\\\"'%_ a", max_size=8).map(lambda text: Literal("string", text, text)),
)
order_items = st.builds(OrderItem, paths | aggregates, st.booleans())
order_bys = st.lists(order_items, max_size=3).map(tuple)
counts = st.none() | st.integers(min_value=0, max_value=10**9)
type_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True) | st.sampled_from(
    KEYWORDS
)


def _subqueries(criteria):
    return st.builds(SubQuery, paths, type_names, st.none() | criteria, order_bys, counts, counts)


def _and(items) -> And:
    return And(tuple(_flatten(And, items)))


def _or(items) -> Or:
    return Or(tuple(_flatten(Or, items)))


def _flatten(kind, items):
    for item in items:
        yield from item.items if isinstance(item, kind) else (item,)


def _not(item):
    return item.item if isinstance(item, Not) else Not(item)


def _extend(children):
    # Trees are built canonical, the way the grammar returns them: no connective directly
    # inside the same connective, no double negation.
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(_and),
        st.lists(children, min_size=2, max_size=3).map(_or),
        children.map(_not),
        st.builds(Relation, condition_paths, st.sampled_from(["has", "any"]), children),
        st.builds(Membership, condition_paths, st.booleans(), _subqueries(children)),
    )


simple_conditions = st.one_of(
    st.builds(
        Comparison,
        condition_paths,
        st.sampled_from(["is", "is_not", "gt", "lt", "ge", "le", "like", "not_like"]),
        literals,
    ),
    st.builds(
        Membership,
        condition_paths,
        st.booleans(),
        st.lists(literals, max_size=4).map(tuple) | _subqueries(st.nothing()),
    ),
    st.builds(Relation, condition_paths, st.sampled_from(["has", "any"]), st.none()),
)
expressions = st.recursive(simple_conditions, _extend, max_leaves=6)

select_queries = st.builds(
    Query,
    projections=st.lists(paths | aggregates, min_size=1, max_size=3).map(tuple),
    entity_type=type_names,
    where=st.none() | expressions,
    group_by=st.lists(paths, max_size=2).map(tuple),
    order_by=order_bys,
    offset=counts,
    limit=counts,
)
select_less_queries = st.builds(
    Query,
    projections=st.none(),
    entity_type=type_names.filter(lambda name: name.lower() != "select"),
    where=st.none() | expressions,
    order_by=order_bys,
    offset=counts,
    limit=counts,
)
queries = select_queries | select_less_queries

_OPERATOR_SPELLINGS = {
    "is": ["is", "="],
    "is_not": ["is_not", "!="],
    "gt": [">", "after", "greater_than"],
    "lt": ["<", "before", "less_than"],
    "ge": [">="],
    "le": ["<="],
    "like": ["like"],
    "not_like": ["not_like"],
}
_SEPARATORS = ["", "", " ", " ", "  ", "\t", "\n", "\r\n", "\n        "]


class _Writer:
    """Write a tree as text, drawing every free choice the language allows."""

    def __init__(self, random: Random) -> None:
        self.random = random
        self.tokens: list[tuple[str, bool]] = []

    def text(self) -> str:
        pieces = [self._separator()]
        previous_is_word = False
        for index, (token, is_word) in enumerate(self.tokens):
            separator = self._separator() if index else ""
            if not separator and previous_is_word and is_word:
                separator = " "
            pieces += [separator, token]
            previous_is_word = is_word
        pieces.append(self._separator())
        return "".join(pieces)

    def _separator(self) -> str:
        return self.random.choice(_SEPARATORS)

    def word(self, text: str) -> None:
        self.tokens.append((text, True))

    def symbol(self, text: str) -> None:
        self.tokens.append((text, False))

    def keyword(self, text: str) -> None:
        style = self.random.choice(["lower", "upper", "title", "mixed"])
        if style == "upper":
            text = text.upper()
        elif style == "title":
            text = text.title()
        elif style == "mixed":
            text = "".join(c.upper() if self.random.random() < 0.5 else c for c in text)
        self.word(text)

    def query(self, query: Query) -> None:
        if query.projections is None:
            self.word(query.entity_type)
        else:
            self.keyword("select")
            self.comma_separated(query.projections, self.projection)
            self.keyword("from")
            self.word(query.entity_type)
        if query.where is not None:
            self.keyword("where")
            self.expression(query.where, None)
        if query.group_by:
            self.keyword("group")
            self.keyword("by")
            self.comma_separated(query.group_by, lambda path: self.word(str(path)))
        self.tail(query)

    def subquery(self, subquery: SubQuery) -> None:
        self.keyword("select")
        self.word(str(subquery.path))
        self.keyword("from")
        self.word(subquery.entity_type)
        if subquery.where is not None:
            self.keyword("where")
            self.expression(subquery.where, None)
        self.tail(subquery)

    def tail(self, query) -> None:
        if query.order_by:
            self.keyword("order")
            self.keyword("by")
            self.comma_separated(query.order_by, self.order_item)
        clauses = [("offset", query.offset), ("limit", query.limit)]
        if self.random.random() < 0.5:
            clauses.reverse()
        for name, value in clauses:
            if value is not None:
                self.keyword(name)
                self.word(self.random.choice(["", "0", "00"]) + str(value))

    def comma_separated(self, items, write) -> None:
        for index, item in enumerate(items):
            if index:
                self.symbol(",")
            write(item)

    def projection(self, projection) -> None:
        if isinstance(projection, Aggregate):
            self.keyword(projection.function)
            self.symbol("(")
            self.word(str(projection.path))
            self.symbol(")")
        else:
            self.word(str(projection))

    def order_item(self, item: OrderItem) -> None:
        self.projection(item.target)
        if item.descending:
            self.keyword(self.random.choice(["desc", "descending"]))
        else:
            direction = self.random.choice([None, "asc", "ascending"])
            if direction:
                self.keyword(direction)

    def expression(self, expression, context) -> None:
        if self.random.random() < 0.1:
            self.keyword("not")
            self.keyword("not")
            context = "not"
        grouped = isinstance(expression, Or) and context in ("and", "not")
        grouped = grouped or (isinstance(expression, And) and context == "not")
        redundant = self.random.random() < 0.15
        if grouped or redundant:
            self.symbol("(")
            self.bare_expression(expression)
            self.symbol(")")
        else:
            self.bare_expression(expression)

    def bare_expression(self, expression) -> None:
        if isinstance(expression, (And, Or)):
            self.connective(expression)
        elif isinstance(expression, Not):
            self.keyword("not")
            self.expression(expression.item, "not")
        elif isinstance(expression, Comparison):
            self.word(str(expression.path))
            spelling = self.random.choice(_OPERATOR_SPELLINGS[expression.operator])
            if spelling[0].isalpha():
                self.keyword(spelling)
            else:
                self.symbol(spelling)
            self.literal(expression.value)
        elif isinstance(expression, Membership):
            self.word(str(expression.path))
            self.keyword("not_in" if expression.negated else "in")
            self.symbol("(")
            if isinstance(expression.values, SubQuery):
                self.subquery(expression.values)
            else:
                self.comma_separated(expression.values, self.literal)
            self.symbol(")")
        else:
            self.word(str(expression.path))
            self.keyword(expression.kind)
            self.symbol("(")
            if expression.criteria is not None:
                self.expression(expression.criteria, None)
            self.symbol(")")

    def connective(self, expression) -> None:
        """Write ``a and b and c``, or group a run of the items: ``a and (b and c)``."""
        connective = "and" if isinstance(expression, And) else "or"
        items = expression.items
        start = end = 0
        if len(items) >= 3 and self.random.random() < 0.3:
            start = self.random.randrange(len(items) - 1)
            end = self.random.randrange(start + 2, len(items) + 1)
        for index, item in enumerate(items):
            if index:
                self.keyword(connective)
            if index == start and end:
                self.symbol("(")
            self.expression(item, connective)
            if index == end - 1:
                self.symbol(")")

    def literal(self, literal: Literal) -> None:
        if literal.kind != "string":
            self.word(literal.text)
            return
        quote = self.random.choice(['"', "'"])
        text = literal.text
        written = []
        for index, character in enumerate(text):
            following = text[index + 1 : index + 2]
            if character == quote:
                written.append("\\" + character)
            elif character in "\"'":
                written.append(self.random.choice([character, "\\" + character]))
            elif character == "\\":
                # A backslash before an ordinary character may stay as it is (2.3).
                plain = following and following not in "\"'\\" and self.random.random() < 0.5
                written.append("\\" if plain else "\\\\")
            else:
                written.append(character)
        self.symbol(quote + "".join(written) + quote)


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(queries, st.randoms(use_true_random=False))
def test_written_trees_parse_back_to_the_same_tree(query, random):
    writer = _Writer(random)
    writer.query(query)
    text = writer.text()

    assert parse(text) == query


@FUZZ_SETTINGS
@given(queries)
def test_rendered_trees_parse_back_to_the_same_tree(query):
    assert parse(render(query)) == query
