"""Tests for the subscription expression language."""

from __future__ import annotations

import operator
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrack_api.event.hub
import ftrack_api.exception
from ftrack_api.event.base import Event
from ftrack_api.event.expression import (
    PARSE_CACHE_SIZE,
    All,
    Any,
    Condition,
    Expression,
    Not,
    Parser,
)


@pytest.fixture
def parser():
    return Parser()


def matches(expression, candidate):
    return Parser().parse(expression).match(candidate)


# --- Structure of parsed expressions -------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("topic=foo", "<Condition topic=foo>"),
        ("  topic =  foo  ", "<Condition topic=foo>"),
        ("\ttopic=foo\n", "<Condition topic=foo>"),
        ("a=b and c=d", "<All [<Condition a=b> <Condition c=d>]>"),
        ("a=b or c=d", "<Any [<Condition a=b> <Condition c=d>]>"),
        ("not a=b", "<Not <Condition a=b>>"),
        ("not not a=b", "<Not <Not <Condition a=b>>>"),
        ("a=1 and b=2 and c=3", "<All [<Condition a=1> <Condition b=2> <Condition c=3>]>"),
        ("a=1 or b=2 or c=3", "<Any [<Condition a=1> <Condition b=2> <Condition c=3>]>"),
        ("a=1 and b=2 or c=3", "<Any [<All [<Condition a=1> <Condition b=2>]> <Condition c=3>]>"),
        ("a=1 or b=2 and c=3", "<Any [<Condition a=1> <All [<Condition b=2> <Condition c=3>]>]>"),
        (
            "(a=1 or b=2) and c=3",
            "<All [<Any [<Condition a=1> <Condition b=2>]> <Condition c=3>]>",
        ),
        ("not a=1 and b=2", "<All [<Not <Condition a=1>> <Condition b=2>]>"),
        ("not (a=1 and b=2)", "<Not <All [<Condition a=1> <Condition b=2>]>>"),
        ("not(a=1)", "<Not <Condition a=1>>"),
        ("((a=1))", "<Condition a=1>"),
        ("(a=1)and(b=2)", "<All [<Condition a=1> <Condition b=2>]>"),
        (
            "a=1 and (b=2 or (c=3 and not d=4))",
            "<All [<Condition a=1> <Any [<Condition b=2> "
            "<All [<Condition c=3> <Not <Condition d=4>>]>]>]>",
        ),
        ("a=1\nand\nb=2", "<All [<Condition a=1> <Condition b=2>]>"),
    ],
)
def test_parse_structure(parser, expression, expected):
    assert str(parser.parse(expression)) == expected


@pytest.mark.parametrize(
    ("expression", "kind"),
    [("a=b", Condition), ("a=b and c=d", All), ("a=b or c=d", Any), ("not a=b", Not)],
)
def test_parse_returns_expression_kind(parser, expression, kind):
    assert type(parser.parse(expression)) is kind


@pytest.mark.parametrize("keyword", ["and", "AND", "And", "aNd"])
def test_and_keyword_is_case_insensitive(parser, keyword):
    assert str(parser.parse(f"a=1 {keyword} b=2")) == "<All [<Condition a=1> <Condition b=2>]>"


@pytest.mark.parametrize("keyword", ["or", "OR", "Or"])
def test_or_keyword_is_case_insensitive(parser, keyword):
    assert type(parser.parse(f"a=1 {keyword} b=2")) is Any


@pytest.mark.parametrize("keyword", ["not", "NOT", "Not"])
def test_not_keyword_is_case_insensitive(parser, keyword):
    assert type(parser.parse(f"{keyword} a=1")) is Not


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("and=b", "<Condition and=b>"),
        ("not=b", "<Condition not=b>"),
        ("not  =b", "<Condition not=b>"),
        ("not >x", "<Condition not>x>"),
        ("not not=b", "<Not <Condition not=b>>"),
        ("a=b and and=c", "<All [<Condition a=b> <Condition and=c>]>"),
        ("or=b or and=c", "<Any [<Condition or=b> <Condition and=c>]>"),
        ("a=and", "<Condition a=and>"),
        ("a=not", "<Condition a=not>"),
        ("nota=b", "<Condition nota=b>"),
        ("a.and=b", "<Condition a.and=b>"),
    ],
)
def test_keywords_can_be_keys_and_values(parser, expression, expected):
    assert str(parser.parse(expression)) == expected


@pytest.mark.parametrize(
    ("expression", "key"),
    [
        ("a.b.c=d", "a.b.c"),
        ("a_b=c", "a_b"),
        ("1a=c", "1a"),
        ("A.B=C", "A.B"),
        ("a..b=c", "a..b"),
        (".a=b", ".a"),
        ("data.actionIdentifier=x", "data.actionIdentifier"),
    ],
)
def test_key_characters(parser, expression, key):
    assert str(parser.parse(expression)).startswith(f"<Condition {key}=")


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("a=1.5", "1.5"),
        ("a=-1", "-1"),
        ("a=x@y.com", "x@y.com"),
        ("a=b/c", "b/c"),
        ("a=b+c", "b+c"),
        ("a=b,c", "b,c"),
        ("a=b_c", "b_c"),
        ("a=*", "*"),
        ("a=**", "**"),
        ("a=b*c", "b*c"),
        ('a="foo bar"', "foo bar"),
        ("a='foo bar'", "foo bar"),
        ('a = "foo bar"', "foo bar"),
        ('a=""', ""),
        ("a=''", ""),
        ('a="it\'s"', "it's"),
        ("a='say \"hi\"'", 'say "hi"'),
        ('a="a and b or not c"', "a and b or not c"),
        ('a="x(y)=z"', "x(y)=z"),
        ('a="é日本"', "é日本"),
        # Escapes are kept as written, without unescaping.
        ('a="x\\"y"', 'x\\"y'),
        ('a="x""y"', 'x""y'),
        ("a='x\\'y'", "x\\'y"),
        # Tabs inside quotes are kept as they are.
        ('a="x\ty"', "x\ty"),
    ],
)
def test_values(parser, expression, value):
    assert parser.parse(expression)._value == value


@pytest.mark.parametrize(
    ("expression", "symbol", "function"),
    [
        ("a=b", "=", operator.eq),
        ("a!=b", "!=", operator.ne),
        ("a>b", ">", operator.gt),
        ("a>=b", ">=", operator.ge),
        ("a<b", "<", operator.lt),
        ("a<=b", "<=", operator.le),
        ("a >= b", ">=", operator.ge),
    ],
)
def test_operators(parser, expression, symbol, function):
    condition = parser.parse(expression)
    assert condition._operator is function
    assert str(condition) == f"<Condition a{symbol}b>"


# --- Matching ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("a=b", "b", True),
        ("a=b", "c", False),
        ("a=b", "B", False),
        ("a=B", "b", False),
        ("a!=b", "b", False),
        ("a!=b", "c", True),
        ("a>b", "c", True),
        ("a>b", "b", False),
        ("a>=b", "b", True),
        ("a>=b", "a", False),
        ("a<b", "a", True),
        ("a<b", "b", False),
        ("a<=b", "b", True),
        ("a<=b", "c", False),
        # Ordering is textual.
        ("a>5", "6", True),
        ("a>5", "10", False),
        ("a>=2020-01-01", "2021-05-01", True),
    ],
)
def test_operator_matching(expression, value, expected):
    assert matches(expression, {"a": value}) is expected


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        # Values in expressions are text: they never equal numbers or booleans.
        ("a=5", 5, False),
        ("a=5", "5", True),
        ("a=5.0", 5.0, False),
        ("a!=5", 5, True),
        ("a=True", True, False),
        ("a=None", None, False),
        ("a=5", b"5", False),
        # Ordering text against other types does not match rather than fail.
        ("a>5", 6, False),
        ("a<5", 4, False),
        ("a>=5", 5, False),
        ("a<=5", None, False),
    ],
)
def test_values_are_text(expression, value, expected):
    assert matches(expression, {"a": value}) is expected


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("topic=ftrack.*", "ftrack.update", True),
        ("topic=ftrack.*", "ftrack.", True),
        ("topic=ftrack.*", "my.ftrack.update", True),
        ("topic=ftrack.*", "ftrack", False),
        ("topic=ftrack.*", "FTRACK.update", False),
        ("topic=b*", "abc", True),
        ("topic=b*", "xyz", False),
        ("topic=*", "anything", True),
        ("topic=*", "", True),
        ('topic="b c*"', "xb cx", True),
        ("topic=**", "x*y", True),
        ("topic=**", "xy", False),
        # Only a trailing star is a wildcard.
        ("topic=*b", "ab", False),
        ("topic=*b", "*b", True),
        ("topic=b*c", "bxc", False),
        ("topic=b*c", "b*c", True),
        # Other operators compare the text literally.
        ("topic!=b*", "bcd", True),
        ("topic!=b*", "b*", False),
        ("topic>b*", "c", True),
        # Regular expression characters carry no special meaning.
        ("topic=b.*", "bxc", False),
        ("topic=b+*", "bbc", False),
        ("topic=b+*", "b+c", True),
    ],
)
def test_wildcard(expression, value, expected):
    assert matches(expression, {"topic": value}) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(["x", "y"], True), (("y",), False), ({"x": 1}, True), (12, False), (None, False)],
)
def test_wildcard_against_non_text_tests_containment(value, expected):
    assert matches("a=x*", {"a": value}) is expected


@pytest.mark.parametrize(
    "expression", ["a=b", "a!=b", "a>b", "a>=b", "a<b", "a<=b", "a=*", "a=b*", 'a=""']
)
def test_missing_key_never_matches(expression):
    assert matches(expression, {"other": "b"}) is False
    assert matches("not " + expression, {"other": "b"}) is True


@pytest.mark.parametrize(
    ("expression", "candidate", "expected"),
    [
        ("a.b=c", {"a": {"b": "c"}}, True),
        ("a.b.c=d", {"a": {"b": {"c": "d"}}}, True),
        ("a.b.c=d", {"a": {"b": {"c": "e"}}}, False),
        ("a.b=c", {"a": {}}, False),
        ("a.b=c", {"a": "b"}, False),
        ("a.b=c", {"a": None}, False),
        ("a.b=c", {"a": ["b"]}, False),
        ("a.b=c", {"a.b": "c"}, False),
        ("a.0=x", {"a": ["x"]}, False),
        ("a.0=x", {"a": {"0": "x"}}, True),
        ("a..b=c", {"a": {"": {"b": "c"}}}, True),
        ("a=c", "abc", False),
        ("a=c", None, False),
        ("a=c", ["a"], False),
        (
            "source.user.username=jane",
            {"source": {"user": {"username": "jane"}}},
            True,
        ),
    ],
)
def test_nested_keys(expression, candidate, expected):
    assert matches(expression, candidate) is expected


def test_nested_keys_use_item_access():
    class Lookup:
        def __getitem__(self, key):
            return key.upper()

    assert matches("a.b=B", {"a": Lookup()}) is True
    assert matches("a.b=b", {"a": Lookup()}) is False


def test_match_event_and_nested_event():
    event = Event("ftrack.update", data=Event("inner", data={"b": "c"}))
    assert matches("topic=ftrack.update and data.topic=inner", event) is True
    assert matches("data.data.b=c", event) is True
    assert matches("data.b=c", event) is False


def test_errors_other_than_lookup_failures_propagate():
    class Broken(dict):
        def __getitem__(self, key):
            raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        matches("a=b", Broken(a="b"))


@pytest.mark.parametrize(
    ("expression", "candidate", "expected"),
    [
        ("a=1 and b=2", {"a": "1", "b": "2"}, True),
        ("a=1 and b=2", {"a": "1"}, False),
        ("a=1 or b=2", {"b": "2"}, True),
        ("a=1 or b=2", {}, False),
        ("not a=1", {"a": "2"}, True),
        ("not a=1", {"a": "1"}, False),
        ("not not a=1", {"a": "1"}, True),
        # "and" binds tighter than "or".
        ("a=1 or b=2 and c=3", {"a": "1"}, True),
        ("(a=1 or b=2) and c=3", {"a": "1"}, False),
        ("a=1 and b=2 or c=3", {"c": "3"}, True),
        ("a=1 and (b=2 or c=3)", {"c": "3"}, False),
        # "not" binds tighter than "and".
        ("not a=1 and b=2", {"b": "2"}, True),
        ("not (a=1 and b=2)", {"a": "1"}, True),
        ("not (a=1 and b=2)", {"a": "1", "b": "2"}, False),
    ],
)
def test_boolean_matching(expression, candidate, expected):
    assert matches(expression, candidate) is expected


def test_realistic_subscriptions():
    launch = {
        "topic": "ftrack.action.launch",
        "data": {"actionIdentifier": "my-action", "selection": []},
        "source": {"user": {"username": "jane"}, "id": "x"},
    }
    assert matches(
        "topic=ftrack.action.launch and data.actionIdentifier=my-action and "
        'source.user.username="jane"',
        launch,
    )
    assert not matches("topic=ftrack.action.launch and data.actionIdentifier=other-action", launch)
    assert matches("topic=ftrack.action.* and not source.user.username=john", launch)
    storage = {
        "topic": "ftrack.storage-scenario.activate",
        "data": {"storage_scenario": {"scenario": "ftrack.centralized-storage"}},
    }
    assert matches(
        "topic=ftrack.storage-scenario.activate and "
        'data.storage_scenario.scenario="ftrack.centralized-storage"',
        storage,
    )


# --- Expression classes ------------------------------------------------------------


def test_expression_base_matches_everything():
    assert str(Expression()) == "<Expression>"
    assert Expression().match({}) is True
    assert Expression().match(None) is True


def test_empty_all_and_any():
    assert str(All()) == "<All []>"
    assert str(Any()) == "<Any []>"
    assert All().match({}) is True
    assert Any().match({}) is False


def test_all_and_any_evaluate_lazily():
    class Exploding(Expression):
        def match(self, candidate):
            raise AssertionError("should not be evaluated")

    assert All([Condition("a", operator.eq, "x"), Exploding()]).match({}) is False
    assert Any([Condition("a", operator.eq, "x"), Exploding()]).match({"a": "x"}) is True


def test_compose_expressions_directly():
    expression = Any(
        [
            All([Condition("a", operator.eq, "1"), Not(Condition("b", operator.eq, "2"))]),
            Condition("c", operator.gt, "5"),
        ]
    )
    assert str(expression) == (
        "<Any [<All [<Condition a=1> <Not <Condition b=2>>]> <Condition c>5>]>"
    )
    assert expression.match({"a": "1"}) is True
    assert expression.match({"a": "1", "b": "2"}) is False
    assert expression.match({"c": "6"}) is True


def test_condition_with_non_text_value():
    condition = Condition("a.b", operator.eq, 5)
    assert str(condition) == "<Condition a.b=5>"
    assert condition.match({"a": {"b": 5}}) is True
    assert condition.match({"a": {"b": 6}}) is False


def test_condition_accepts_operator_symbol():
    condition = Condition("a", "!=", "b")
    assert condition._operator is operator.ne
    assert condition.match({"a": "c"}) is True


def test_condition_rejects_unknown_non_callable_operator():
    with pytest.raises(TypeError):
        Condition("a", "~", "b")


def test_condition_str_with_other_callable():
    assert str(Condition("a", len, "b")) == f"<Condition a{len}b>"


def test_condition_wildcard_attributes():
    condition = Condition("a", operator.eq, "b*")
    assert condition._wildcard == "*"
    assert condition._operatorMapping[operator.eq] == "="


# --- Errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "position", "expected"),
    [
        ("a=", 2, "Expected value"),
        ("=b", 0, "Expected condition"),
        ("topic", 5, "Expected operator"),
        ("a==b", 2, "Expected value"),
        ("a=b and", 7, "Expected condition"),
        ("a=b c=d", 4, "Expected end of text"),
        ("(a=b", 4, "Expected ')'"),
        ("a=b)", 3, "Expected end of text"),
        ("()", 1, "Expected condition"),
        ("a=b andc=d", 4, "Expected end of text"),
        ("a=b or=c", 6, "Expected condition"),
        ("a-b=c", 1, "Expected operator"),
        ("a=é", 2, "Expected value"),
        ('a = "b', 6, "Expected"),
        ("a=b$", 3, "Expected end of text"),
        ("a={b}", 2, "Expected value"),
        ("not", 3, "Expected condition"),
        ("", 0, "Expected condition"),
        ("   ", 3, "Expected condition"),
    ],
)
def test_parse_error(parser, expression, position, expected):
    with pytest.raises(ftrack_api.exception.ParseError) as info:
        parser.parse(expression)

    message = info.value.message
    first_line = message.splitlines()[0]
    assert first_line.startswith(f"Failed to parse: {expression}. ")
    assert expected in first_line
    # The message ends with the text and a caret under where parsing stopped.
    *_, text_line, caret_line = message.split("\n")
    assert text_line == expression
    assert caret_line == " " * position + "^"
    assert str(info.value).startswith("Failed to parse: ")


def test_parse_error_on_later_line_marks_that_line(parser):
    with pytest.raises(ftrack_api.exception.ParseError) as info:
        parser.parse("a=b and\nc=")
    message = info.value.message
    assert "(line:2, col:3)" in message
    assert message.endswith("\nc=\n  ^")


def test_parse_error_is_raised_every_time(parser):
    for _ in range(2):
        with pytest.raises(ftrack_api.exception.ParseError):
            parser.parse("a=")


# --- Cache -------------------------------------------------------------------------


def test_parse_caches_by_text(parser):
    first = parser.parse("topic=ftrack.update")
    assert parser.parse("topic=ftrack.update") is first
    assert parser.parse("topic = ftrack.update") is not first
    assert Parser().parse("topic=ftrack.update") is not first


def test_parse_cache_is_bounded(parser):
    first = parser.parse("key0=value")
    for index in range(1, PARSE_CACHE_SIZE + 1):
        parser.parse(f"key{index}=value")
    again = parser.parse("key0=value")
    assert again is not first
    assert str(again) == str(first)


# --- Threads -----------------------------------------------------------------------


THREAD_EXPRESSIONS = [
    "topic=ftrack.update",
    "topic=ftrack.action.launch and data.actionIdentifier=my-action-{0}",
    'source.user.username="user {0}" or not data.index>{0}',
    "(topic=ftrack.* or topic=other.{0}) and not (data.index=* and data.flag!=on)",
]


def _thread_candidate(index):
    return {
        "topic": "ftrack.action.launch" if index % 2 else "ftrack.update",
        "data": {"actionIdentifier": f"my-action-{index}", "index": str(index)},
        "source": {"user": {"username": f"user {index}"}},
    }


def _thread_work(parser, index):
    results = []
    for template in THREAD_EXPRESSIONS:
        # Distinct text per index so that most calls really parse.
        expression = parser.parse(template.format(index))
        results.append((str(expression), expression.match(_thread_candidate(index))))
    return results


def test_parse_and_match_from_many_threads():
    reference_parser = Parser()
    expected = [_thread_work(reference_parser, index) for index in range(400)]

    parser = Parser()
    barrier = threading.Barrier(16)

    def work(index):
        if index < 16:
            barrier.wait()  # Start the first parses of a fresh parser together.
        return _thread_work(parser, index)

    with ThreadPoolExecutor(max_workers=16) as executor:
        results = list(executor.map(work, range(400)))

    assert results == expected


def test_first_parses_of_fresh_parsers_from_many_threads():
    # Every kind of parse action at once, in the first parse of each thread.
    template = "(a={0} or not b=\"x {0}\") and c!='y' or d>{0}"
    expected = [str(Parser().parse(template.format(index))) for index in range(16)]

    for _ in range(20):
        parser = Parser()
        barrier = threading.Barrier(16)

        def work(index, parser=parser, barrier=barrier):
            barrier.wait()
            return str(parser.parse(template.format(index)))

        with ThreadPoolExecutor(max_workers=16) as executor:
            assert list(executor.map(work, range(16))) == expected


def test_match_shared_expression_from_many_threads():
    expression = Parser().parse(
        "topic=ftrack.action.launch and data.actionIdentifier=my-action-* "
        'and source.user.username="user 3"'
    )
    candidates = [_thread_candidate(index) for index in range(200)]
    expected = [expression.match(candidate) for candidate in candidates]
    assert expected.count(True) == 1

    with ThreadPoolExecutor(max_workers=16) as executor:
        for _ in range(20):
            assert list(executor.map(expression.match, candidates)) == expected


# --- Property: parsing then matching agrees with a direct evaluation ----------------

KEYS = ["topic", "data.a", "data.b.c", "source.user.username"]
VALUES = ["x", "y", "ftrack.update", "a b", "x*", "*", "10", "9"]
SYMBOLS = {"=": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt}

conditions = st.tuples(
    st.just("condition"),
    st.sampled_from(KEYS),
    st.sampled_from(list(SYMBOLS)),
    st.sampled_from(VALUES),
)
trees = st.recursive(
    conditions,
    lambda children: st.one_of(
        st.tuples(st.just("not"), children),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)
candidate_values = st.one_of(st.none(), st.sampled_from([*VALUES, "xyz", "ftrack"]))


def _render(tree, keyword_case):
    kind = tree[0]
    if kind == "condition":
        _, key, symbol, value = tree
        if " " in value:
            value = f'"{value}"'
        return f"{key}{symbol}{value}"
    if kind == "not":
        return "{} ({})".format(keyword_case("not"), _render(tree[1], keyword_case))
    joiner = f" {keyword_case(kind)} "
    return joiner.join(f"({_render(child, keyword_case)})" for child in tree[1])


def _lookup(candidate, key):
    for part in key.split("."):
        if not isinstance(candidate, dict) or part not in candidate:
            return None, False
        candidate = candidate[part]
    return candidate, True


def _evaluate(tree, candidate):
    kind = tree[0]
    if kind == "condition":
        _, key, symbol, value = tree
        found, present = _lookup(candidate, key)
        if not present:
            return False
        if symbol == "=" and value.endswith("*"):
            return isinstance(found, str) and value[:-1] in found
        if found is None:
            return symbol == "!="
        return SYMBOLS[symbol](found, value)
    if kind == "not":
        return not _evaluate(tree[1], candidate)
    results = [_evaluate(child, candidate) for child in tree[1]]
    return all(results) if kind == "and" else any(results)


@settings(max_examples=200, deadline=None)
@given(
    tree=trees,
    upper=st.booleans(),
    topic=candidate_values,
    a=candidate_values,
    c=candidate_values,
    username=candidate_values,
)
def test_parsed_expressions_agree_with_direct_evaluation(tree, upper, topic, a, c, username):
    candidate = {
        "topic": topic,
        "data": {"a": a, "b": {"c": c}},
        "source": {"user": {"username": username}},
    }
    text = _render(tree, str.upper if upper else str.lower)
    assert Parser().parse(text).match(candidate) is _evaluate(tree, candidate)


# --- Lazy grammar --------------------------------------------------------------------


def test_grammar_is_built_once_by_concurrent_first_parses():
    parser = Parser()
    barrier = threading.Barrier(8)

    def work(index):
        barrier.wait()
        parser.parse(f"topic=concurrent.{index}")
        return parser._parser

    with ThreadPoolExecutor(max_workers=8) as executor:
        grammars = list(executor.map(work, range(8)))

    assert all(grammar is grammars[0] for grammar in grammars)


def test_assigned_grammar_is_used():
    custom = Parser()
    custom._parser = Parser()._parser.copy().add_condition(lambda tokens: False)
    with pytest.raises(ftrack_api.exception.ParseError):
        custom.parse("topic=ftrack.update")


def test_a_parser_builds_its_grammar_on_first_parse(monkeypatch):
    # Each session's hub has a parser that most sessions never use.
    built = []
    construct = Parser._construct_parser
    monkeypatch.setattr(
        Parser, "_construct_parser", lambda self: built.append(self) or construct(self)
    )
    hub = ftrack_api.event.hub.EventHub("http://localhost", "user", "key")
    assert built == []
    parser = hub._expression_parser
    parser.parse("topic=a.b")
    parser.parse("topic=c.d")
    assert built == [parser]
