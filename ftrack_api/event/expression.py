"""The subscription expression language used to select events.

An expression is made of conditions such as ``topic=ftrack.update`` or
``data.user.name="Jane Doe"`` combined with ``and``, ``or``, ``not`` and
parentheses. :class:`Parser` turns the text into a tree of :class:`Expression`
objects whose :meth:`~Expression.match` tests a candidate mapping (an event, or
a subscriber's metadata when routing targeted events).

Matching runs for every event against every subscriber, so a
:class:`Condition` does its preparation once, when it is built, and parsed
expressions are cached by their text. Parsing and matching share no mutable
state and may run from many threads at once.
"""

from __future__ import annotations

import functools
import operator
import threading
from typing import Any as _AnyType
from typing import Callable, Iterable, List, Optional

import pyparsing

import ftrack_api.exception

#: Symbol shown in text for each comparison function.
_OPERATOR_SYMBOLS = {
    operator.eq: "=",
    operator.ne: "!=",
    operator.ge: ">=",
    operator.le: "<=",
    operator.gt: ">",
    operator.lt: "<",
}

#: The comparison that a trailing wildcard turns into a substring test.
_EQUAL = operator.eq

#: Comparison function for each operator symbol of the language.
_OPERATOR_FUNCTIONS = {symbol: function for function, symbol in _OPERATOR_SYMBOLS.items()}

#: Ending of a value that turns an ``=`` condition into a substring test.
_WILDCARD = "*"

#: How many parsed expressions a :class:`Parser` remembers.
PARSE_CACHE_SIZE = 1024

#: Characters of a key; dots separate the levels of nested mappings.
_KEY_CHARACTERS = pyparsing.alphanums + "_."

#: Characters of an unquoted value.
_VALUE_CHARACTERS = pyparsing.alphanums + "-_,./*@+"


class Expression:
    """An expression that matches every candidate; the base of all expressions."""

    def __str__(self) -> str:
        return f"<{type(self).__name__}>"

    def match(self, candidate) -> bool:
        """Return whether *candidate* satisfies the expression."""
        return True


class All(Expression):
    """Match when every one of *expressions* matches (``and``)."""

    def __init__(self, expressions: Optional[List[Expression]] = None) -> None:
        super().__init__()
        if expressions is None:
            expressions = []
        self._expressions = expressions

    def __str__(self) -> str:
        return "<{} [{}]>".format(
            type(self).__name__, " ".join(str(expression) for expression in self._expressions)
        )

    def match(self, candidate) -> bool:
        # A plain loop: measurably faster than all() on this hot path.
        for expression in self._expressions:  # noqa: SIM110
            if not expression.match(candidate):
                return False
        return True


class Any(Expression):
    """Match when at least one of *expressions* matches (``or``)."""

    def __init__(self, expressions: Optional[List[Expression]] = None) -> None:
        super().__init__()
        if expressions is None:
            expressions = []
        self._expressions = expressions

    def __str__(self) -> str:
        return "<{} [{}]>".format(
            type(self).__name__, " ".join(str(expression) for expression in self._expressions)
        )

    def match(self, candidate) -> bool:
        # A plain loop: measurably faster than any() on this hot path.
        for expression in self._expressions:  # noqa: SIM110
            if expression.match(candidate):
                return True
        return False


class Not(Expression):
    """Match when *expression* does not."""

    def __init__(self, expression: Expression) -> None:
        super().__init__()
        self._expression = expression

    def __str__(self) -> str:
        return f"<{type(self).__name__} {self._expression}>"

    def match(self, candidate) -> bool:
        return not self._expression.match(candidate)


class Condition(Expression):
    """Compare the value found at *key* in a candidate with *value*.

    *key* is a dotted path into nested mappings (``data.entity.id``).
    *operator* is a comparison function such as :func:`operator.eq` (an
    operator symbol such as ``"!="`` is accepted too). With ``operator.eq``, a
    text *value* ending in ``*`` matches any candidate value that contains the
    text before the ``*`` (``topic=ftrack.*`` matches ``ftrack.update``).

    A candidate lacking the key (or holding something other than a mapping
    along the path) never matches, whatever the operator. A comparison between
    values that cannot be compared (``5`` against ``"4"`` with ``>``) does not
    match either: values in parsed expressions are always text, so
    ``data.count=5`` does not match the number ``5``.
    """

    def __init__(self, key: str, operator: Callable[[_AnyType, _AnyType], bool], value) -> None:
        super().__init__()
        if isinstance(operator, str) and operator in _OPERATOR_FUNCTIONS:
            operator = _OPERATOR_FUNCTIONS[operator]
        if not callable(operator):
            raise TypeError(f"Condition operator must be callable, not {operator!r}.")

        self._key = key
        self._operator = operator
        self._value = value
        self._wildcard = _WILDCARD
        self._operatorMapping = _OPERATOR_SYMBOLS

        # Work done once here rather than for every candidate.
        self._path = tuple(key.split(".")) if isinstance(key, str) else (key,)
        self._contained = None
        if operator is _EQUAL and isinstance(value, str) and value.endswith(self._wildcard):
            self._contained = value[: -len(self._wildcard)]

    def __str__(self) -> str:
        symbol = self._operatorMapping.get(self._operator, self._operator)
        return f"<{type(self).__name__} {self._key}{symbol}{self._value}>"

    def match(self, candidate) -> bool:
        found = candidate
        try:
            for part in self._path:
                found = found[part]
        except (LookupError, TypeError):
            return False

        try:
            if self._contained is not None:
                return self._contained in found
            return self._operator(found, self._value)
        except TypeError:
            return False


class Parser:
    """Parse expression text into an :class:`Expression`.

    The grammar::

        expression := term ("or" term)*
        term       := factor ("and" factor)*
        factor     := condition | "not" factor | "(" expression ")"
        condition  := key operator value
        operator   := "=" | "!=" | ">=" | "<=" | ">" | "<"
        value      := "double quoted" | 'single quoted' | unquoted

    Keywords are case-insensitive. Keys hold letters, digits, ``_`` and ``.``;
    unquoted values hold letters, digits and ``-_,./*@+``. Quoted values keep
    their text as written, without the quotes.

    A bare condition parses to a :class:`Condition`; several conditions joined
    by the same keyword to one flat :class:`All` or :class:`Any`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._operators = dict(_OPERATOR_FUNCTIONS)
        self._grammar: Optional[pyparsing.ParserElement] = None
        self._grammar_lock = threading.Lock()
        self._parse_cached = functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(self._parse_uncached)

    @property
    def _parser(self) -> pyparsing.ParserElement:
        """The grammar, built on first use.

        Every session's event hub has a parser of its own, used only for events
        addressed to particular subscribers; building its grammar up front would
        add a tenth to a warm session start.
        """
        grammar = self._grammar
        if grammar is None:
            with self._grammar_lock:
                grammar = self._grammar
                if grammar is None:
                    grammar = self._grammar = self._construct_parser()
        return grammar

    @_parser.setter
    def _parser(self, grammar: pyparsing.ParserElement) -> None:
        self._grammar = grammar

    def _construct_parser(self) -> pyparsing.ParserElement:
        """Return the grammar, with parse actions building expressions.

        The parse actions only read the parser's operator table and build new
        objects from their tokens, so one grammar serves all threads.
        They are given to pyparsing through :func:`_action`.
        """
        and_keyword = pyparsing.Suppress(pyparsing.CaselessKeyword("and"))
        or_keyword = pyparsing.Suppress(pyparsing.CaselessKeyword("or"))
        not_keyword = pyparsing.Suppress(pyparsing.CaselessKeyword("not"))
        open_parenthesis = pyparsing.Suppress("(")
        close_parenthesis = pyparsing.Suppress(")")

        key = pyparsing.Word(_KEY_CHARACTERS).set_name("key")
        comparison = pyparsing.one_of(list(self._operators)).set_name("operator")
        quoted_value = pyparsing.dbl_quoted_string.copy() | pyparsing.sgl_quoted_string.copy()
        quoted_value.set_parse_action(_action(self._process_quoted_value))
        value = (quoted_value | pyparsing.Word(_VALUE_CHARACTERS)).set_name("value")

        # Once a key and an operator are read, a missing value is an error at
        # the value: no other reading of the text could succeed.
        condition = (key + comparison - value).set_name("condition")
        condition.set_parse_action(_action(self._process_condition))

        expression = pyparsing.Forward().set_name("expression")
        factor = pyparsing.Forward().set_name("condition")
        negation = (not_keyword - factor).set_parse_action(_action(self._process_not))
        grouping = (open_parenthesis - expression - close_parenthesis).set_parse_action(
            _action(self._process_expression)
        )
        # A condition comes first so that keys named like keywords
        # ("not=1", "and=2") still read as conditions.
        factor <<= (condition | negation | grouping).set_name("condition")

        term = (factor + pyparsing.ZeroOrMore(and_keyword - factor)).set_parse_action(
            _action(self._process_and)
        )
        expression <<= (term + pyparsing.ZeroOrMore(or_keyword - term)).set_parse_action(
            _action(self._process_or)
        )

        # Keep tabs inside quoted values as written.
        expression.parse_with_tabs()
        # Finish pyparsing's own lazy preparation here, under the lock, rather
        # than on a first parse that several threads might run at once.
        expression.streamline()
        return expression

    def parse(self, expression: str) -> Expression:
        """Return the :class:`Expression` that *expression* text describes.

        Raise :exc:`ftrack_api.exception.ParseError` when the text is not a
        valid expression; its message points at where parsing stopped.
        Results are cached by text, so parse the same text as often as needed.
        """
        return self._parse_cached(expression)

    def _parse_uncached(self, expression: str) -> Expression:
        """Parse *expression* without consulting the cache."""
        try:
            result = self._parser.parse_string(expression, parse_all=True)
        except pyparsing.ParseBaseException as error:
            raise ftrack_api.exception.ParseError(_describe_failure(expression, error))
        return self._process(result)

    def _process(self, result: pyparsing.ParseResults) -> Expression:
        """Return the expression built from a complete parse *result*."""
        return result[0]

    def _process_expression(self, result: pyparsing.ParseResults) -> Expression:
        """Return the expression built inside parentheses."""
        return result[0]

    def _process_condition(self, result: pyparsing.ParseResults) -> Condition:
        """Return a :class:`Condition` from *result* ``[key, operator, value]``."""
        key, symbol, value = result
        return Condition(key, self._operators[symbol], value)

    def _process_quoted_value(self, result: pyparsing.ParseResults) -> str:
        """Return the quoted text of *result* without its quotes."""
        return result[0][1:-1]

    def _process_not(self, result: pyparsing.ParseResults) -> Not:
        """Return a :class:`Not` of the single expression in *result*."""
        return Not(result[0])

    def _process_and(self, result: pyparsing.ParseResults) -> Expression:
        """Return an :class:`All` of the expressions in *result* (or the only one)."""
        return _combine(All, result)

    def _process_or(self, result: pyparsing.ParseResults) -> Expression:
        """Return an :class:`Any` of the expressions in *result* (or the only one)."""
        return _combine(Any, result)


def _action(process: Callable[[pyparsing.ParseResults], _AnyType]) -> Callable:
    """Adapt *process(result)* to pyparsing's full parse action signature.

    Given a callable taking fewer arguments, pyparsing finds out how many it
    takes by calling it and counting failures, keeping the count in state
    shared by every thread using the grammar: concurrent first parses then
    call actions with the wrong arguments. A callable that takes all three
    arguments succeeds at the first call and leaves that state alone.
    """

    def action(string: str, location: int, result: pyparsing.ParseResults) -> _AnyType:
        return process(result)

    return action


def _combine(kind: type, expressions: Iterable[Expression]) -> Expression:
    """Return *kind* of *expressions*, or the expression itself when alone."""
    expressions = list(expressions)
    if len(expressions) == 1:
        return expressions[0]
    return kind(expressions)


def _describe_failure(expression: str, error: pyparsing.ParseBaseException) -> str:
    """Return a message showing the text and a caret where parsing stopped."""
    return "Failed to parse: {}. {}\n{}\n{}^".format(
        expression, error, error.line, " " * (error.column - 1)
    )
