"""Parse query expressions into the syntax tree of :mod:`ftrack_server.query.ast`.

The grammar follows sections 2 and 3 of the query language specification. Lexing is
done by the grammar's own regular expressions, all built around one rule: a WORD is a
maximal run of characters other than whitespace and ``( ) , " ' = ! < >``. Keywords are
WORDs recognised by position and case-insensitively, so attributes may be called
``from``, ``group`` or ``order``; type and attribute names are matched exactly.

After a keyword that can only start one construct (``where``, ``order by``, an
operator, ...) the grammar commits (pyparsing's ``-``), which keeps backtracking linear
and makes errors point at the offending token instead of at the start of the clause.

:func:`parse` is the entry point; it caches trees by expression text. Parsing is
thread-safe: the grammar is built and streamlined once at import, the parse actions
only build new immutable nodes, and pyparsing's global packrat cache is not used.
"""

from __future__ import annotations

import functools
import re

import pyparsing as pp

from ftrack_server.errors import ParseError
from ftrack_server.query import ast

__all__ = ["parse"]

#: Expressions longer than this are parsed every time instead of being cached: they are
#: usually one-off id lists (``id in (...)`` with hundreds of ids) that would only
#: crowd out the queries that do repeat.
CACHEABLE_LENGTH = 4096

_CACHE_SIZE = 1024

_WORD_CHARS = r"""[^ \t\r\n(),"'=!<>]"""
_WORD_END = rf"(?!{_WORD_CHARS})"
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_SEGMENT = rf"{_IDENTIFIER}(?:\[{_IDENTIFIER}\])?"

# Keywords ignore ASCII case only: a long s (U+017F) does not make an "s".
_KEYWORD_FLAGS = re.IGNORECASE | re.ASCII

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_QUOTED = r""""[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'"""
_VALUE = re.compile(rf"{_QUOTED}|{_WORD_CHARS}+", re.DOTALL)
_VALUE_LIST = re.compile(
    rf"(?:{_VALUE.pattern})(?:[ \t\r\n]*,[ \t\r\n]*(?:{_VALUE.pattern}))*", re.DOTALL
)
_TOKEN = re.compile(rf"{_VALUE.pattern}|[<>!]=|.", re.DOTALL)

_COMPARISON_OPERATORS = {
    "=": "is",
    "is": "is",
    "!=": "is_not",
    "is_not": "is_not",
    ">": "gt",
    "after": "gt",
    "greater_than": "gt",
    "<": "lt",
    "before": "lt",
    "less_than": "lt",
    ">=": "ge",
    "<=": "le",
    "like": "like",
    "not_like": "not_like",
}


# --- parse actions: each turns the matched tokens into one new node -----------------


class _Clause:
    """A parsed clause, tagged so that the query actions can tell clauses apart."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: object) -> None:
        self.name = name
        self.value = value


class _Operation:
    """The right-hand side of a condition: operator and operand."""

    __slots__ = ("operand", "operator")

    def __init__(self, operator: str, operand: object) -> None:
        self.operator = operator
        self.operand = operand


def _make_path(string: str, location: int, tokens: pp.ParseResults) -> ast.Path:
    return ast.Path.from_string(tokens[0])


def _make_word_literal(string: str, location: int, tokens: pp.ParseResults) -> ast.Literal:
    return _word_literal(tokens[0], string, location)


def _make_string_literal(string: str, location: int, tokens: pp.ParseResults) -> ast.Literal:
    return _string_literal(tokens[0])


def _make_literals(string: str, location: int, tokens: pp.ParseResults) -> list:
    return [
        _string_literal(text) if text[0] in "\"'" else _word_literal(text, string, location + at)
        for text, at in ((match.group(), match.start()) for match in _VALUE.finditer(tokens[0]))
    ]


def _make_integer(string: str, location: int, tokens: pp.ParseResults) -> int:
    return _to_int(tokens[0], string, location)


def _to_int(text: str, string: str, location: int) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise pp.ParseFatalException(string, location, "integer too long")


def _word_literal(text: str, string: str, location: int) -> ast.Literal:
    """Classify an unquoted value (section 2.4): number, boolean, null or bare text."""
    if _INTEGER.fullmatch(text):
        return ast.Literal("integer", _to_int(text, string, location), text)
    if _NUMBER.fullmatch(text):
        return ast.Literal("number", float(text), text)
    lowered = text.lower() if text.isascii() else text
    if lowered in ("true", "false"):
        return ast.Literal("boolean", lowered == "true", text)
    if lowered in ("none", "null"):
        return ast.Literal("null", None, text)
    return ast.Literal("bare", text, text)


def _string_literal(quoted: str) -> ast.Literal:
    """Unquote a string: ``\\"``, ``\\'`` and ``\\\\`` are unescaped, other backslashes kept."""
    value = _ESCAPE.sub(_unescape, quoted[1:-1])
    return ast.Literal("string", value, value)


def _unescape(match: re.Match) -> str:
    character = match.group(1)
    return character if character in "\"'\\" else match.group(0)


def _fail_unterminated(string: str, location: int, tokens: pp.ParseResults) -> None:
    raise pp.ParseFatalException(string, location, "unterminated string")


def _fail_group_by_without_select(string: str, location: int, tokens: pp.ParseResults) -> None:
    raise pp.ParseFatalException(string, location, "group by needs the select form")


def _make_aggregate(string: str, location: int, tokens: pp.ParseResults) -> ast.Aggregate:
    return ast.Aggregate(tokens[0].lower(), tokens[1])


def _make_order_item(string: str, location: int, tokens: pp.ParseResults) -> ast.OrderItem:
    descending = len(tokens) > 1 and tokens[1].lower().startswith("desc")
    return ast.OrderItem(tokens[0], descending)


def _make_comparison_operation(string: str, location: int, tokens: pp.ParseResults) -> _Operation:
    return _Operation(_COMPARISON_OPERATORS[tokens[0].lower()], tokens[1])


def _make_membership_operation(string: str, location: int, tokens: pp.ParseResults) -> _Operation:
    members = tokens[1]
    if not isinstance(members, ast.SubQuery):
        members = tuple(members)
    return _Operation(tokens[0].lower(), members)


def _make_relation_operation(string: str, location: int, tokens: pp.ParseResults) -> _Operation:
    criteria = tokens[1] if len(tokens) > 1 else None
    return _Operation(tokens[0].lower(), criteria)


def _make_condition(string: str, location: int, tokens: pp.ParseResults) -> ast.Expr:
    path, operation = tokens
    operator = operation.operator
    if operator in ("in", "not_in"):
        return ast.Membership(path, operator == "not_in", operation.operand)
    if operator in ("has", "any"):
        return ast.Relation(path, operator, operation.operand)
    return ast.Comparison(path, operator, operation.operand)


def _make_not(string: str, location: int, tokens: pp.ParseResults) -> ast.Expr:
    item = tokens[0]
    return item.item if isinstance(item, ast.Not) else ast.Not(item)


def _make_and(string: str, location: int, tokens: pp.ParseResults) -> ast.Expr:
    return _combine(ast.And, tokens)


def _make_or(string: str, location: int, tokens: pp.ParseResults) -> ast.Expr:
    return _combine(ast.Or, tokens)


def _combine(kind: type, tokens: pp.ParseResults) -> ast.Expr:
    if len(tokens) == 1:
        return tokens[0]
    items = []
    for item in tokens:
        if isinstance(item, kind):
            items.extend(item.items)
        else:
            items.append(item)
    return kind(tuple(items))


def _tag(name: str):
    def make_clause(string: str, location: int, tokens: pp.ParseResults) -> _Clause:
        return _Clause(name, tokens[0])

    return make_clause


def _tag_all(name: str):
    def make_clause(string: str, location: int, tokens: pp.ParseResults) -> _Clause:
        return _Clause(name, tuple(tokens))

    return make_clause


def _clauses(tokens: pp.ParseResults) -> dict:
    return {clause.name: clause.value for clause in tokens}


def _make_query(string: str, location: int, tokens: pp.ParseResults) -> ast.Query:
    clauses = _clauses(tokens)
    return ast.Query(
        projections=clauses.get("projections"),
        entity_type=clauses["entity_type"],
        where=clauses.get("where"),
        group_by=clauses.get("group_by", ()),
        order_by=clauses.get("order_by", ()),
        offset=clauses.get("offset"),
        limit=clauses.get("limit"),
    )


def _make_subquery(string: str, location: int, tokens: pp.ParseResults) -> ast.SubQuery:
    clauses = _clauses(tokens)
    projections = clauses["projections"]
    if len(projections) != 1 or not isinstance(projections[0], ast.Path):
        listed = ", ".join(str(projection) for projection in projections)
        raise ParseError(
            f'Invalid subquery: it must select exactly one attribute path, not "{listed}"'
            f" (at char {_skip_whitespace(string, location)} in: {string})"
        )
    return ast.SubQuery(
        path=projections[0],
        entity_type=clauses["entity_type"],
        where=clauses.get("where"),
        order_by=clauses.get("order_by", ()),
        offset=clauses.get("offset"),
        limit=clauses.get("limit"),
    )


# --- the grammar ----------------------------------------------------------------------


def _keyword(*spellings: str) -> pp.Regex:
    """A WORD equal to one of ``spellings``, ignoring case; returns the text as written."""
    alternatives = "|".join(spellings)
    name = " or ".join(f'"{spelling}"' for spelling in spellings)
    return pp.Regex(rf"(?:{alternatives}){_WORD_END}", _KEYWORD_FLAGS).set_name(name)


def _symbol(text: str) -> pp.Suppress:
    return pp.Suppress(pp.Literal(text)).set_name(f'"{text}"')


def _build_grammar() -> pp.ParserElement:
    select = pp.Suppress(_keyword("select"))
    from_ = pp.Suppress(_keyword("from"))
    where = pp.Suppress(_keyword("where"))
    group = pp.Suppress(_keyword("group"))
    order = pp.Suppress(_keyword("order"))
    by = pp.Suppress(_keyword("by"))
    offset = pp.Suppress(_keyword("offset"))
    limit = pp.Suppress(_keyword("limit"))
    and_ = pp.Suppress(_keyword("and"))
    or_ = pp.Suppress(_keyword("or"))
    not_ = pp.Suppress(_keyword("not"))
    lparen, rparen, comma = _symbol("("), _symbol(")"), _symbol(",")

    path = pp.Regex(rf"{_SEGMENT}(?:\.{_SEGMENT})*{_WORD_END}")
    path.set_name("an attribute path").set_parse_action(_make_path)
    type_name = pp.Regex(rf"{_IDENTIFIER}{_WORD_END}").set_name("an entity type name")
    integer = pp.Regex(rf"[0-9]+{_WORD_END}").set_name("a non-negative integer")
    integer.set_parse_action(_make_integer)

    quoted = pp.Regex(_QUOTED, re.DOTALL)
    quoted.set_parse_action(_make_string_literal)
    unterminated = pp.Regex(r"""["']""").set_parse_action(_fail_unterminated)
    word = pp.Regex(rf"{_WORD_CHARS}+").set_parse_action(_make_word_literal)
    value = (quoted | unterminated | word).set_name("a value")

    aggregate = _keyword(*ast.AGGREGATE_FUNCTIONS) + lparen - path - rparen
    aggregate.set_parse_action(_make_aggregate)
    projection = (aggregate | path).set_name("a projection")
    projections = (projection + pp.ZeroOrMore(comma - projection)).set_parse_action(
        _tag_all("projections")
    )
    from_after_projections = from_.copy().set_name('"," or "from"')
    entity_type = type_name.copy().set_parse_action(_tag("entity_type"))

    expression = pp.Forward().set_name("a condition")
    where_clause = (where - expression).set_parse_action(_tag("where"))

    group_by_clause = group - by - path + pp.ZeroOrMore(comma - path)
    group_by_clause.set_parse_action(_tag_all("group_by"))

    direction = _keyword("ascending", "asc", "descending", "desc")
    order_item = (aggregate | path).set_name("an order key") + pp.Optional(direction)
    order_item.set_parse_action(_make_order_item)
    order_by_clause = order - by - order_item + pp.ZeroOrMore(comma - order_item)
    order_by_clause.set_parse_action(_tag_all("order_by"))

    offset_clause = (offset - integer).set_parse_action(_tag("offset"))
    limit_clause = (limit - integer).set_parse_action(_tag("limit"))
    paging = offset_clause + pp.Optional(limit_clause) | limit_clause + pp.Optional(offset_clause)
    optional_tail = pp.Optional(order_by_clause) + pp.Optional(paging)

    subquery = (
        select
        + projections
        - from_after_projections
        - entity_type
        + pp.Optional(where_clause)
        + optional_tail
    ).set_parse_action(_make_subquery)

    comparison = (
        pp.Regex(
            rf"<=|>=|!=|=|<|>|(?:is_not|is|not_like|like|after|before|greater_than|less_than)"
            rf"{_WORD_END}",
            _KEYWORD_FLAGS,
        )
        - value
    )
    comparison.set_parse_action(_make_comparison_operation)
    # Long id lists are common (``id in (<500 ids>)``): match a well-formed list with one
    # regular expression and leave the token-by-token grammar to empty or broken lists,
    # where it reports the precise error.
    fast_values = pp.Regex(_VALUE_LIST).set_parse_action(_make_literals) + pp.FollowedBy(rparen)
    values = value + pp.ZeroOrMore(comma - value)
    members = subquery | pp.Group(fast_values) | pp.Group(pp.Optional(values))
    membership = _keyword("not_in", "in") - lparen - members - rparen
    membership.set_parse_action(_make_membership_operation)
    relation = _keyword("has", "any") - lparen - pp.Optional(expression) - rparen
    relation.set_parse_action(_make_relation_operation)
    operation = (comparison | membership | relation).set_name("an operator")
    condition = (path + operation).set_parse_action(_make_condition)

    unary = pp.Forward()
    negation = (not_ + unary).set_parse_action(_make_not)
    group_expression = lparen - expression - rparen
    unary <<= (negation | group_expression | condition).set_name("a condition")
    conjunction = (unary + pp.ZeroOrMore(and_ - unary)).set_parse_action(_make_and)
    expression <<= (conjunction + pp.ZeroOrMore(or_ - conjunction)).set_parse_action(_make_or)

    select_query = (
        select
        - projections
        - from_after_projections
        - entity_type
        + pp.Optional(where_clause)
        + pp.Optional(group_by_clause)
        + optional_tail
    ).set_parse_action(_make_query)
    misplaced_group_by = (group + by).set_parse_action(_fail_group_by_without_select)
    bare_query = (
        entity_type + pp.Optional(where_clause) + pp.Optional(misplaced_group_by) + optional_tail
    ).set_parse_action(_make_query)
    start = (select_query | bare_query).set_name('"select" or an entity type name')
    query = start + pp.StringEnd().set_name("end of expression")
    query.parse_with_tabs()
    query.streamline()
    return query


_GRAMMAR = _build_grammar()

# Parse once at import, through every construct, so that pyparsing's lazily compiled
# regular expressions and parse-action wrappers are settled before threads share them.
_GRAMMAR.parse_string(
    "select a, count(b.c[D]) from T where not (a is 1 or b in (select c from D where e any ()"
    " order by f desc limit 1 offset 2)) and g has (h like 'i') and j in (2, \"k\")"
    " and l not_in () group by a order by a offset 1 limit 2"
)


# --- entry point -------------------------------------------------------------------------


def parse(expression: str) -> ast.Query:
    """Parse ``expression`` into a :class:`~ftrack_server.query.ast.Query`.

    Raise :exc:`~ftrack_server.errors.ParseError` if it is not a valid expression: the
    message starts with ``Failed to parse`` for syntax errors (and says what was
    expected where) or ``Invalid subquery`` for a subquery selecting anything but one
    attribute path. Results are cached by expression text.
    """
    if not isinstance(expression, str):
        raise ParseError(f"Failed to parse: expected an expression string, not {expression!r}")
    if len(expression) > CACHEABLE_LENGTH:
        return _parse(expression)
    return _parse_cached(expression)


def _parse(expression: str) -> ast.Query:
    try:
        return _GRAMMAR.parse_string(expression)[0]
    except pp.ParseBaseException as error:
        raise ParseError(_describe(error, expression)) from None
    except RecursionError:
        raise ParseError(f"Failed to parse: expression nested too deeply in: {expression}")


_parse_cached = functools.lru_cache(maxsize=_CACHE_SIZE)(_parse)


def _describe(error: pp.ParseBaseException, expression: str) -> str:
    """Say what went wrong and where, in words a query author can act on."""
    position = _skip_whitespace(expression, error.loc)
    found = _token_at(expression, position)
    message = error.msg
    if message.startswith("Expected "):
        problem = f"expected {message[len('Expected ') :]}, found {found}"
    else:
        problem = message
    where = f"at char {position}"
    if "\n" in expression:
        line = expression.count("\n", 0, position) + 1
        column = position - expression.rfind("\n", 0, position)
        where += f" (line {line}, column {column})"
    return f"Failed to parse: {problem} {where} in: {expression}"


def _skip_whitespace(expression: str, position: int) -> int:
    while position < len(expression) and expression[position] in " \t\r\n":
        position += 1
    return position


def _token_at(expression: str, position: int) -> str:
    if position >= len(expression):
        return "end of expression"
    token = _TOKEN.match(expression, position).group()
    if token in ('"', "'"):
        return "an unterminated string"
    if len(token) > 40:
        token = token[:37] + "..."
    return f"'{token}'" if '"' in token else f'"{token}"'
