"""The server's evaluator of subscriptions and targets (protocol.md 7.9).

Its semantics must be the Python client's, since the client filters delivered events
again with its own parser: the property tests compare the two on generated input.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrack_api.event.expression as client_expression
import ftrack_api.exception
from ftrack_server.events.expression import (
    AllOf,
    AnyOf,
    Condition,
    ExpressionError,
    Negation,
    compile_expression,
    matches,
)

EVENT = {
    "topic": "ftrack.update",
    "data": {
        "name": "Jane Doe",
        "count": 5,
        "shot": "sh010",
        "tags": ["a", "b"],
        "storage_scenario": {"scenario": "ftrack.centralized-storage"},
    },
    "source": {"id": "hub-1", "user": {"username": "jane"}},
    "target": "",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("topic=ftrack.update", True),
        ("topic = ftrack.update", True),
        ("topic=ftrack.other", False),
        ("topic!=ftrack.other", True),
        ("topic=ftrack.*", True),
        ("topic=update*", True),  # Py's wildcard is "contains", not "starts with"
        ("topic=*", True),
        ("topic!=ftrack.*", True),  # the wildcard applies to = only
        ("source.user.username=jane", True),
        ('data.name="Jane Doe"', True),
        ("data.name='Jane Doe'", True),
        ("data.missing=x", False),
        ("data.missing!=x", False),  # a missing key fails whatever the operator
        ("data.name.deeper=x", False),  # not a mapping along the path
        ("data.count=5", False),  # values are text; 5 is a number
        ("data.count>1", False),  # no ordering between number and text
        ("data.shot>sh001", True),
        ("data.shot>=sh010", True),
        ("data.shot<sh010", False),
        ("data.shot<=sh010", True),
        ("data.tags=a*", True),  # containment, as in the client
        ('data.storage_scenario.scenario="ftrack.centralized-storage"', True),
        ("topic=ftrack.update and source.id=hub-1", True),
        ("topic=ftrack.update AND source.id=hub-2", False),
        ("topic=nope or source.id=hub-1", True),
        ("topic=nope OR source.id=hub-2", False),
        ("not topic=nope", True),
        ("NOT topic=ftrack.update", False),
        ("not not topic=ftrack.update", True),
        ("topic=nope or source.id=hub-1 and data.shot=sh010", True),
        ("(topic=nope or source.id=hub-1) and data.shot=nope", False),
        ("topic=nope or (source.id=hub-1 and data.shot=nope)", False),
        ("(topic=ftrack.update)and(data.shot=sh010)", True),
        ("", True),
        ("   ", True),
    ],
)
def test_matching(text, expected):
    assert matches(text, EVENT) is expected


def test_structure():
    assert isinstance(compile_expression("a=1"), Condition)
    assert isinstance(compile_expression("a=1 and b=2"), AllOf)
    assert isinstance(compile_expression("a=1 or b=2"), AnyOf)
    assert isinstance(compile_expression("not a=1"), Negation)
    precedence = compile_expression("a=1 or b=2 and c=3")
    assert isinstance(precedence, AnyOf)
    assert isinstance(precedence.parts[1], AllOf)


def test_keys_named_like_keywords_are_keys():
    condition = compile_expression("not=1")
    assert isinstance(condition, Condition)
    assert condition.key == "not"
    assert matches("and=x or or=y", {"or": "y"})


def test_quoted_values_keep_their_text():
    condition = compile_expression('a="x""y and z"')
    assert condition.value == 'x""y and z'
    assert compile_expression("a='it''s'").value == "it''s"


def test_targets_match_subscriber_metadata():
    metadata = {"id": "0f6b", "applicationId": "ftrack.api.javascript"}
    assert matches("id=0f6b", metadata)
    assert matches("applicationId=ftrack.api.*", metadata)
    assert not matches("id=other", metadata)


@pytest.mark.parametrize(
    "text",
    ["topic", "topic=", "=x", "a=1 and", "a=1 andy b=2", "(a=1", "a=1)", "a==1", "a=x y", "a=%"],
)
def test_invalid_expressions(text):
    with pytest.raises(ExpressionError) as raised:
        compile_expression(text)
    assert text in str(raised.value)


# -- agreement with the Python client ---------------------------------------------------

KEYS = st.sampled_from(["topic", "data.a", "data.b.c", "source.id", "and", "not", "x"])
WORDS = st.text(alphabet="abc01-_.,/*@+", min_size=1, max_size=6)
VALUES = st.one_of(
    WORDS,
    WORDS.map(lambda word: f'"{word} x"'),
    WORDS.map(lambda word: f"'{word}'"),
)
OPERATORS = st.sampled_from(["=", "!=", ">", "<", ">=", "<="])
SPACE = st.sampled_from(["", " ", "  "])


@st.composite
def conditions(draw):
    return draw(KEYS) + draw(SPACE) + draw(OPERATORS) + draw(SPACE) + draw(VALUES)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from([" and ", " or ", " AND ", " Or "]), children).map(
            "".join
        ),
        children.map(lambda text: f"not {text}"),
        children.map(lambda text: f"({text})"),
    )


EXPRESSIONS = st.recursive(conditions(), _combine, max_leaves=6)
LEAVES = st.one_of(WORDS, st.integers(-3, 3), st.lists(WORDS, max_size=2), st.none())
CANDIDATES = st.fixed_dictionaries(
    {},
    optional={
        "topic": LEAVES,
        "x": LEAVES,
        "and": LEAVES,
        "not": LEAVES,
        "data": st.fixed_dictionaries(
            {},
            optional={"a": LEAVES, "b": st.one_of(LEAVES, st.fixed_dictionaries({"c": LEAVES}))},
        ),
        "source": st.one_of(LEAVES, st.fixed_dictionaries({"id": LEAVES})),
    },
)
CLIENT = client_expression.Parser()


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS, CANDIDATES)
def test_matches_like_the_client(text, candidate):
    assert compile_expression(text).match(candidate) == CLIENT.parse(text).match(candidate)


TOKENS = st.sampled_from(
    ["a", "b.c", "1", "=", "!=", "<", ">=", "(", ")", '"', "'", " ", "and", "OR", "not", "*", "-"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(TOKENS, min_size=1, max_size=10).map("".join).filter(str.strip))
def test_accepts_what_the_client_accepts(text):
    try:
        CLIENT.parse(text)
        client_accepts = True
    except ftrack_api.exception.ParseError:
        client_accepts = False
    try:
        compile_expression(text)
        server_accepts = True
    except ExpressionError:
        server_accepts = False
    assert server_accepts == client_accepts
