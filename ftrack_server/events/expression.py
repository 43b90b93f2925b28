"""Subscription and target expressions, evaluated by the server (protocol.md 7.9).

The language is the Python client's: conditions ``key<op>value`` joined with
``and``/``or``/``not`` and parentheses. Subscriptions are matched against events and
targets against subscriber metadata. Matching follows the client exactly, because
the client filters delivered events again with its own subscriptions:

* a dotted key walks nested mappings; a missing key (or a non-mapping on the way)
  makes the condition false, whatever the operator;
* values are text; ``=`` and ``!=`` compare with ``==``, the ordering operators
  compare where Python can (text with text) and are false otherwise;
* with ``=``, a value ending in ``*`` matches when the text before it is contained
  in the candidate value (``topic=ftrack.*`` matches ``ftrack.update``);
* an empty expression matches everything (an empty ``target`` is a broadcast).

The grammar::

    expression := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := condition | "not" factor | "(" expression ")"
    condition  := key operator value
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any, Callable, List, Mapping, NoReturn, Optional

_WHITESPACE = re.compile(r"[ \t\r\n]*")
_KEY = re.compile(r"[A-Za-z0-9_.]+")
_OPERATOR = re.compile(r"!=|>=|<=|=|>|<")
_BARE_VALUE = re.compile(r"[A-Za-z0-9\-_,./*@+]+")
_QUOTED_VALUE = re.compile(
    r'"(?:[^"\n\r\\]|""|\\(?:[^x]|x[0-9a-fA-F]+))*"'
    r"|'(?:[^'\n\r\\]|''|\\(?:[^x]|x[0-9a-fA-F]+))*'"
)
#: Characters that may not touch a keyword (``andy`` is not ``and``).
_WORD_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")

_COMPARISONS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}

#: How many distinct expression texts :func:`compile_expression` remembers.
CACHE_SIZE = 4096


class ExpressionError(ValueError):
    """Expression text that does not follow the grammar."""

    def __init__(self, text: str, position: int, expected: str) -> None:
        super().__init__(f"Invalid expression {text!r}: expected {expected} at {position}.")
        self.text = text
        self.position = position


class Expression:
    """Matches every candidate: the empty expression."""

    def match(self, candidate: Any) -> bool:
        return True

    def __repr__(self) -> str:
        return "Everything()"


class AllOf(Expression):
    """``and``: every part matches."""

    def __init__(self, parts: List[Expression]) -> None:
        self.parts = parts

    def match(self, candidate: Any) -> bool:
        return all(part.match(candidate) for part in self.parts)

    def __repr__(self) -> str:
        return f"AllOf({self.parts!r})"


class AnyOf(Expression):
    """``or``: at least one part matches."""

    def __init__(self, parts: List[Expression]) -> None:
        self.parts = parts

    def match(self, candidate: Any) -> bool:
        return any(part.match(candidate) for part in self.parts)

    def __repr__(self) -> str:
        return f"AnyOf({self.parts!r})"


class Negation(Expression):
    """``not``: the inner expression does not match."""

    def __init__(self, inner: Expression) -> None:
        self.inner = inner

    def match(self, candidate: Any) -> bool:
        return not self.inner.match(candidate)

    def __repr__(self) -> str:
        return f"Negation({self.inner!r})"


class Condition(Expression):
    """``key<op>value``: compare the value found at a dotted key with a text value."""

    def __init__(self, key: str, symbol: str, value: str) -> None:
        self.key = key
        self.symbol = symbol
        self.value = value
        self._path = tuple(key.split("."))
        self._compare: Callable[[Any, Any], bool] = _COMPARISONS[symbol]
        self._contained: Optional[str] = None
        if symbol == "=" and value.endswith("*"):
            self._contained = value[:-1]

    def match(self, candidate: Any) -> bool:
        found = candidate
        try:
            for part in self._path:
                found = found[part]
            if self._contained is not None:
                return self._contained in found
            return bool(self._compare(found, self.value))
        except (LookupError, TypeError):
            return False

    def __repr__(self) -> str:
        return f"Condition({self.key!r}, {self.symbol!r}, {self.value!r})"


EVERYTHING = Expression()


@functools.lru_cache(maxsize=CACHE_SIZE)
def compile_expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`; blank text matches everything.

    Raise :class:`ExpressionError` when the text is not a valid expression. Results
    are cached by text and immutable, so they may be shared between threads.
    """
    if not text.strip():
        return EVERYTHING
    return _Parser(text).parse()


def matches(text: str, candidate: Mapping[str, Any]) -> bool:
    """Return whether expression ``text`` matches ``candidate``."""
    return compile_expression(text).match(candidate)


class _Parser:
    """Recursive descent over the text; whitespace may separate any two tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def parse(self) -> Expression:
        expression = self._expression()
        self._skip_whitespace()
        if self.position != len(self.text):
            self._fail("'and', 'or' or the end of the expression")
        return expression

    def _expression(self) -> Expression:
        terms = [self._term()]
        while self._keyword("or"):
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else AnyOf(terms)

    def _term(self) -> Expression:
        factors = [self._factor()]
        while self._keyword("and"):
            factors.append(self._factor())
        return factors[0] if len(factors) == 1 else AllOf(factors)

    def _factor(self) -> Expression:
        # A condition is tried first, so keys named like keywords ("not=1") still work.
        condition = self._condition()
        if condition is not None:
            return condition
        if self._keyword("not"):
            return Negation(self._factor())
        if self._literal("("):
            inner = self._expression()
            if not self._literal(")"):
                self._fail("')'")
            return inner
        self._fail("a condition, 'not' or '('")

    def _condition(self) -> Optional[Condition]:
        start = self.position
        key = self._token(_KEY)
        symbol = self._token(_OPERATOR) if key is not None else None
        if key is None or symbol is None:
            self.position = start
            return None
        quoted = self._token(_QUOTED_VALUE)
        if quoted is not None:
            return Condition(key, symbol, quoted[1:-1])
        bare = self._token(_BARE_VALUE)
        if bare is None:
            self._fail("a value")
        return Condition(key, symbol, bare)

    # -- tokens ------------------------------------------------------------------------

    def _skip_whitespace(self) -> None:
        self.position = _WHITESPACE.match(self.text, self.position).end()

    def _token(self, pattern: re.Pattern) -> Optional[str]:
        self._skip_whitespace()
        found = pattern.match(self.text, self.position)
        if found is None:
            return None
        self.position = found.end()
        return found.group()

    def _literal(self, literal: str) -> bool:
        self._skip_whitespace()
        if self.text.startswith(literal, self.position):
            self.position += len(literal)
            return True
        return False

    def _keyword(self, word: str) -> bool:
        self._skip_whitespace()
        start, end = self.position, self.position + len(word)
        if self.text[start:end].lower() != word:
            return False
        if end < len(self.text) and self.text[end] in _WORD_CHARACTERS:
            return False
        if start > 0 and self.text[start - 1] in _WORD_CHARACTERS:
            return False
        self.position = end
        return True

    def _fail(self, expected: str) -> NoReturn:
        raise ExpressionError(self.text, self.position, expected)
