"""The query grammar: every expression the specification shows, and every syntax error."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ftrack_server.errors import ParseError
from ftrack_server.query import grammar
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


def P(text: str) -> Path:
    return Path.from_string(text)


def S(value: str) -> Literal:
    return Literal("string", value, value)


def B(text: str) -> Literal:
    return Literal("bare", text, text)


def I(text: str) -> Literal:  # noqa: E743 - reads like the other literal helpers
    return Literal("integer", int(text), text)


def N(text: str) -> Literal:
    return Literal("number", float(text), text)


def C(path: str, operator: str, value: Literal) -> Comparison:
    return Comparison(P(path), operator, value)


def where(expression: str) -> object:
    return parse(expression).where


# --- every expression the specification presents as valid ----------------------------

# Placeholders of the specification (<id>, a trailing "…" standing for more text) are
# replaced by concrete text; "…" where it is a complete value is kept verbatim: it is a
# WORD like any other.
SPEC_QUERIES = [
    # 1.1 Py rewriting and paging
    "Task where name is foo",
    "select context_type, id, name from Task where name is foo",
    "select context_type, id, name from Task where name is foo offset 0 limit 500",
    "select context_type, id, name from Task where name is foo offset 3 limit 1",
    "select context_type, id, name from Task where name is foo limit 1",
    "select context_type, id, name from Task where name is foo limit 2",
    # 1.2 expressions Py builds itself
    'select id, name, sort from Status where (id is "014a…")',
    'select parent_id, key, value from Metadata where (parent_id is "…" and key is "…")',
    "select a, b from User where id is 9a1f…",
    "select a, b from User where id in (9a1f…,77b2…)",
    'select value from Metadata where (parent_id is "p1"and key is "k1") or '
    '(parent_id is "p2"and key is "k2")',
    "select status.id from Task where id is …",
    "select bid, description, end_date, start_date from Task where id is …",
    'select id from Timelog where start is "2024-05-02T10:20:30" and duration is 10 and '
    'user_id is "…" limit 2',
    "select id from Timelog where is_billable is True and comment is None and duration is 2.5 "
    'and user_id is "u1" limit 2',
    "select component_id, resource_identifier from ComponentLocation where location_id is "
    "3a4c0f1e-2b9d-11e1-8e6e-f23c91df25eb and component_id in "
    "(5671dcb0-66de-11e1-8e6e-f23c91df25eb, 77b2c9d0-66de-11e1-8e6e-f23c91df25eb)",
    "select task_status from SchemaStatus where schema_id is 69cb7f92-4dbf-11e1-9902-f23c91df25eb",
    'select value from Setting where name is "storage_scenario" and group is "STORAGE"',
    'Timer where user_id = "<id>"',
    "select key, project_id, id, object_type_id, entity_type, is_hierarchical from "
    "CustomAttributeConfiguration",
    # 1.3 JS
    'select id from Timelog where start is "2024-05-02T10:20:30.000Z" and is_billable is true '
    "and comment is null and duration is 10",
    'Task where name is "say \\"hi\\" and \\\'bye\\\'"',
    '\n        select id, name, parent.name\n        from Task\n        where project.id is "p1"\n'
    '            and status.name in ("Done", "Approved")\n        order by name\n    ',
    "\n\tTask\n\t\twhere parent.name is 'sq010'\n\t\tand not timelogs any ()\n",
    # 2.1 whitespace is never required next to a symbol or a quote
    "Project where metadata any (key=some_key and value=some_value)",
    "Task where id=7c1e0d0a-1111-4e5e-9d9a-000000000001",
    'AssetVersion where components.name is "main"and is_latest_version is "True"',
    'Metadata where (parent_id is "p1"and key is "k1")',
    "Task where end_date>= 2017-12-11 and end_date <2017-12-31",
    # 2.3 quoted strings
    'Task where name is "x"',
    "Appointment where type is 'assignment'",
    # 2.4 and 2.6
    "Task where name is 001",
    "select from_id, to_id from TypedContextLink",
    "select from, to from TypedContextLink",
    # 3 notes
    'Project where type is "PROJECT"',
    "Task where id in ()",
    "Task where id not_in ()",
    # 4.2 select-less form, 4.4 worked example
    "User",
    "User offset 2",
    "User order by first_name desc",
    "User order by first_name limit 5",
    "User offset 2 limit 3",
    "User limit 3 offset 2",
    'Shot where parent.name is "sq010" offset 20',
    'select context_type, id, name from Shot where parent.name is "sq010" offset 20 limit 500',
    # 5.3 filtering by kind
    'TypedContext where object_type.name in ("Asset Build", "Shot") and project_id is "…"',
    "select id from TypedContext where parent_id in (…) and "
    "object_type_id != '<task object type id>'",
    'Context where context_type is "show"',
    "List where project_id is \"…\" and system_type is 'assetversion'",
    'Shot where object_type.name is "Task"',
    # 5.4 member-only attributes
    'select link from Task where assignments any (resource.username = "…")',
    "select project, priority, assignments.resource.username, link, status.name from Task",
    'Context where parent[TypedContext] has (status.name is "Approved")',
    'Task where custom_attribute_links any (configuration.key is "supervisor" and '
    'user.username is "foobar")',
    'Task where custom_attribute_links_from any (configuration.key is "supervisor" and '
    "context.bid > 1)",
    # 6.2 and 6.3 paths
    'Task where project.id is "…"',
    'Note where author.username is "john.doe"',
    'Component where version.asset.parent.project_id is "…"',
    "Task where parent.name is None",
    'Task where timelogs.start >= "<today>"',
    'Project where metadata.key is "k" and metadata.value is "v"',
    'Project where metadata any (key is "k" and value is "v")',
    'Task where ancestors.status.state.short is_not "BLOCKED"',
    'Task where not ancestors.status.state.short is "BLOCKED"',
    'Task where not ancestors any (status.state.short is "BLOCKED")',
    "Task where ancestors.status.state.short is_not 'BLOCKED'",
    # 6.4 casts
    'TypedContext where name is "sh010" and parent[TypedContext] has (name is "sq010" and '
    'project.name is "proj")',
    "select name from Project where allocations.resource[Group].memberships any "
    '(user.username is "john_doe")',
    "select parent[Shot].name from Task",
    "select parent[Note].name from Task",
    # 6.5 references
    "AssetVersion where asset is_not None",
    "Task where thumbnail is_not none",
    "Timelog where task_id != none",
    "Component where version.asset_id != None",
    'Task where parent is "<id>"',
    'Shot where parent is "…"',
    # 6.6 special attributes
    'AssetVersion where asset.id is "…" and is_latest_version is true',
    "Note where parent.id is …",
    "select __permissions.status_id from Task",
    "select link, _link, thumbnail_url from Task",
    "select _task_workflow, _schemas, _overrides from ProjectSchema",
    # 7.2 coercion (errors there are the compiler's)
    'AssetVersion where version is "3"',
    'Component where size >= "1048576"',
    'AssetVersion where is_latest_version is "True"',
    "User where status is active",
    'Task where bid > "abc"',
    'Task where start_date after "yesterday"',
    'User where is_active is "maybe"',
    # 7.3 dates
    'Note where date is "2018-05-25"',
    "Task where start_date >= 2017-12-1",
    'Timelog where start is "2024-05-02 10:20:30"',
    "Timelog where start is 2024-05-02T10:20:30",
    "Timelog where start is 2024-05-02T10:20:30.123456",
    "Timelog where start is 2024-05-02T00:00:00+02:00",
    "Timelog where start is 2024-05-02T08:20:30.000Z",
    'Note where date >= "2018-05-25" and date < "2018-05-26"',
    # 7.4 null, 7.5 lists
    "Task where description is None",
    "Task where description = None",
    "Task where description is_not None",
    "Task where description != None",
    "Task where id in (none)",
    'CustomAttributeValue where value in (123, "abc")',
    'Task where name in ("a","b")',
    "Task where id in (id1,id2)",
    'Metadata where value in ("foo")',
    # 8 operators
    "Task where bid greater_than 10",
    "Task where bid less_than 10",
    'Task where name after "m"',
    'Task where end_date before "2024-01-01"',
    "Task where bid <= 10 and bid >= 1 and bid < 5 and bid > 2",
    'ObjectType where name is "task"',
    "CustomAttributeConfiguration where type.name is Enumerator",
    "User where email like 'john@example.com'",
    'Project where name like "%thrones"',
    'Task where name like "sh%"',
    'Task where name like "%abc%"',
    'Task where name like "%\\%%"',
    'AssetVersion where version like "%"',
    'Task where name not_like "%abc%"',
    'Task where name in ("")',
    'Sequence where metadata has (key is "frame_padding" and value is "4")',
    'Sequence where metadata any (key is "frame_padding" and value is "4")',
    'Note where author any (first_name is "Jane")',
    "Task where name has ()",
    'Task where children is "x"',
    'Task where description is_not "x"',
    # 9 boolean logic
    "Task where not status is active",
    "Task where not (status is active or bid > 10)",
    "Task where not timelogs any ()",
    "Note where not in_reply_to has ()",
    "Task where not id in (a1, b2)",
    'Task where ((((bid > 10) and (name like "%foo" and name like "bar%")) and '
    'name like "%foobar%") and ((parent.parent.name = "baz") or '
    'parent.children any (((name = "fuz") and (parent.name = "blah")))))',
    'Status where (id is "…")',
    "Task where not not name is x",
    # 10 has and any
    'Note where author has (first_name is "Jane" and last_name is "Doe")',
    'Note where author.first_name is "Jane" and author.last_name is "Doe"',
    'Task where parent.children any (name is "sh010")',
    'Task where project.metadata any (key is "k")',
    'AssetVersion where asset.parent.metadata any (key is "k")',
    "Task where not custom_attributes any ()",
    'Task where custom_attributes any ( key is "versionname" and value is "…")',
    "Task where timelogs any()",
    # 11 subqueries
    'Note where id in (select in_reply_to_id from Note where author.username is "john.doe")',
    'Task where id not_in (select entity_id from Note where content like "%x%")',
    "Task where id in (select task_id from Timelog where user_id in "
    '(select id from User where username is "jane") order by start desc limit 10)',
    "Note where id in (\n    select in_reply_to_id\n    from Note\n"
    '    where author.username is "john.doe"\n)',
    # 12.1 custom attributes
    'Task where custom_attributes any (key is "my_text_field" and value is "bar")',
    'Project where custom_attributes any (key is "new_ingest" and value is True)',
    'Shot where custom_attributes any (key is "tags" and value in ("foo"))',
    "select custom_attributes from Task where custom_attributes.configuration.key is customNumber",
    'Shot where not custom_attributes any (configuration.key is "fend")',
    "select custom_attributes from Shot where not custom_attributes any ()",
    "CustomAttributeValue where configuration.key is fstart",
    "CustomAttributeValue where entity_id is 5671dcb0-66de-11e1-8e6e-f23c91df25eb and "
    "configuration.key is customNumber",
    # 12.2 metadata
    'Sequence where metadata any (key is "frame_padding" and value is "4")',
    "Project where metadata.key is 0f2d7a6a8c4d11eebf5c0242ac120002",
    'select value from Metadata where key is "recent" and parent_type is "User" and '
    'parent_id is "…"',
    "AssetVersion where task.id = 5671dcb0-66de-11e1-8e6e-f23c91df25eb and metadata any "
    '(key="kind" and value="render") and metadata any (key="version" and value="3")',
    # 12.3 custom attribute links
    'select user from CustomAttributeLink where configuration.key = "supervisor" and '
    'from_id = "…"',
    # 13 projections
    "select status.state.short from Task",
    "select versions.components.name from Asset",
    "select status.name, status.color from Task",
    "select id, name, status_id, type.name, status_id, type.name from Task",
    "select asset , asset.name from AssetVersion",
    "select metadata.key, metadata.value from Project",
    "select id from Task",
    "select parent.context_type, parent.id, parent.name from Task where id is …",
    "select custom_attribute_links from Task",
    # 14 ordering
    "AssetVersion order by version desc",
    "AssetVersion order by version descending",
    "Status order by sort desc, name asc",
    "Task order by status.sort asc, name asc",
    "Task order by priority.sort",
    "AssetVersion order by asset.name ascending",
    "Project order by project.full_name",
    "Component order by asset_version.asset.name",
    # 15 paging
    "Task limit 0",
    "select id from Task offset 0 limit 0",
    # 16 aggregation
    "select count(id) from Task group by status_id",
    "select count(id) from Task group by project_id, status_id",
    "select sum(timelogs.duration) from Task",
    "select status_id, count(id) from Task group by status_id order by count(id) desc",
    "select name, count(id) from Task group by status_id order by name offset 5 limit 10",
    "select status.name, avg(bid), min(bid), max(bid) from Task group by status.name",
    # 17 search
    "select asset.name, id, link, version from AssetVersion order by asset.name, version desc "
    "limit 100",
    # 18 errors that only the compiler can see
    "select id from Tsk",
    "select object_type.is_prioritizable from Task",
    "select full_name, status.name from Project",
    'Task where start after "yesterday"',
    "select name, count(id) from Task group by status_id",
]


@pytest.mark.parametrize("expression", SPEC_QUERIES)
def test_every_valid_spec_expression_parses_and_renders_back(expression):
    query = parse(expression)

    assert isinstance(query, Query)
    assert parse(render(query)) == query


# --- what the trees say ------------------------------------------------------------------


def test_py_rewritten_query_keeps_projections_and_criteria():
    query = parse("select context_type, id, name from Task where name is foo")

    assert query == Query(
        projections=(P("context_type"), P("id"), P("name")),
        entity_type="Task",
        where=C("name", "is", B("foo")),
    )


def test_select_less_form_has_no_projections():
    assert parse("Task where name is foo") == Query(
        projections=None, entity_type="Task", where=C("name", "is", B("foo"))
    )
    assert parse("User") == Query(projections=None, entity_type="User")


def test_composite_key_populate_groups_and_before_or():
    query = parse(
        'select value from Metadata where (parent_id is "p1"and key is "k1") or '
        '(parent_id is "p2"and key is "k2")'
    )

    assert query.where == Or(
        (
            And((C("parent_id", "is", S("p1")), C("key", "is", S("k1")))),
            And((C("parent_id", "is", S("p2")), C("key", "is", S("k2")))),
        )
    )


def test_and_binds_tighter_than_or():
    assert where("T where a is 1 or b is 2 and c is 3") == Or(
        (C("a", "is", I("1")), And((C("b", "is", I("2")), C("c", "is", I("3")))))
    )
    assert where("T where (a is 1 or b is 2) and c is 3") == And(
        (Or((C("a", "is", I("1")), C("b", "is", I("2")))), C("c", "is", I("3")))
    )


def test_nested_groups_of_the_same_connective_are_flattened():
    assert where("T where a is 1 and (b is 2 and (c is 3))") == And(
        (C("a", "is", I("1")), C("b", "is", I("2")), C("c", "is", I("3")))
    )
    assert where("T where ((a is 1))") == C("a", "is", I("1"))


def test_not_applies_to_the_single_condition_or_group_that_follows():
    assert where("T where not status is active and bid > 1") == And(
        (Not(C("status", "is", B("active"))), C("bid", "gt", I("1")))
    )
    assert where("T where not (status is active or bid > 1)") == Not(
        Or((C("status", "is", B("active")), C("bid", "gt", I("1"))))
    )
    assert where("T where not id in (a1, b2)") == Not(
        Membership(P("id"), False, (B("a1"), B("b2")))
    )


def test_double_negation_cancels():
    condition = C("name", "is", B("x"))

    assert where("T where not not name is x") == condition
    assert where("T where not not not name is x") == Not(condition)
    assert where("T where not (not name is x)") == condition


def test_linq_provider_nesting_keeps_its_structure():
    expression = (
        'Task where ((((bid > 10) and (name like "%foo" and name like "bar%")) and '
        'name like "%foobar%") and ((parent.parent.name = "baz") or '
        'parent.children any (((name = "fuz") and (parent.name = "blah")))))'
    )

    assert where(expression) == And(
        (
            C("bid", "gt", I("10")),
            C("name", "like", S("%foo")),
            C("name", "like", S("bar%")),
            C("name", "like", S("%foobar%")),
            Or(
                (
                    C("parent.parent.name", "is", S("baz")),
                    Relation(
                        P("parent.children"),
                        "any",
                        And((C("name", "is", S("fuz")), C("parent.name", "is", S("blah")))),
                    ),
                )
            ),
        )
    )


@pytest.mark.parametrize(
    ("spelling", "operator"),
    [
        ("=", "is"),
        ("is", "is"),
        ("!=", "is_not"),
        ("is_not", "is_not"),
        (">", "gt"),
        ("after", "gt"),
        ("greater_than", "gt"),
        ("<", "lt"),
        ("before", "lt"),
        ("less_than", "lt"),
        (">=", "ge"),
        ("<=", "le"),
        ("like", "like"),
        ("not_like", "not_like"),
        ("IS_NOT", "is_not"),
        ("After", "gt"),
    ],
)
def test_comparison_operators_are_normalised(spelling, operator):
    assert where(f"T where bid {spelling} 5") == C("bid", operator, I("5"))
    if not spelling[0].isalpha():
        assert where(f"T where bid{spelling}5") == C("bid", operator, I("5"))


def test_symbolic_operators_need_no_surrounding_whitespace():
    assert where("Task where end_date>= 2017-12-11 and end_date <2017-12-31") == And(
        (C("end_date", "ge", B("2017-12-11")), C("end_date", "lt", B("2017-12-31")))
    )
    assert where("T where a!=1 and b<=2 and c>3") == And(
        (C("a", "is_not", I("1")), C("b", "le", I("2")), C("c", "gt", I("3")))
    )


def test_words_meet_quotes_and_parentheses_without_whitespace():
    query = parse('select id,name from Task where(name is"x"and bid>1)or(id in("a","b"))')

    assert query.projections == (P("id"), P("name"))
    assert query.where == Or(
        (
            And((C("name", "is", S("x")), C("bid", "gt", I("1")))),
            Membership(P("id"), False, (S("a"), S("b"))),
        )
    )


def test_membership_lists_subqueries_and_negation():
    assert where("T where id in (9a1f…,77b2…)") == Membership(
        P("id"), False, (B("9a1f…"), B("77b2…"))
    )
    assert where("T where id not_in ()") == Membership(P("id"), True, ())
    assert where('T where value in ("foo")') == Membership(P("value"), False, (S("foo"),))
    assert where("T where id in (none)") == Membership(
        P("id"), False, (Literal("null", None, "none"),)
    )
    assert where('T where value in ( 123 ,"abc" , x )') == Membership(
        P("value"), False, (I("123"), S("abc"), B("x"))
    )


def test_subquery_tree():
    query = parse(
        "Task where id in (select task_id from Timelog where user_id in "
        '(select id from User where username is "jane") order by start desc limit 10)'
    )

    assert query.where == Membership(
        P("id"),
        False,
        SubQuery(
            path=P("task_id"),
            entity_type="Timelog",
            where=Membership(
                P("user_id"),
                False,
                SubQuery(P("id"), "User", C("username", "is", S("jane"))),
            ),
            order_by=(OrderItem(P("start"), True),),
            limit=10,
        ),
    )


def test_a_list_item_spelled_select_is_a_value_not_a_subquery():
    assert where("T where name in (select)") == Membership(P("name"), False, (B("select"),))
    assert where("T where name in (select, from)") == Membership(
        P("name"), False, (B("select"), B("from"))
    )


@pytest.mark.parametrize(
    "expression",
    [
        "Task where id in (select id, name from Task)",
        "Task where id in (select count(id) from Task)",
        "Task where id not_in (select max(bid) from Task where bid > 1)",
        "Task where id in (select id from Note where parent_id in (select a, b from C))",
    ],
)
def test_subquery_must_select_one_attribute_path(expression):
    with pytest.raises(ParseError) as caught:
        parse(expression)

    assert caught.value.content.startswith("Invalid subquery")
    assert expression in caught.value.content


def test_relations_with_and_without_criteria():
    assert where("T where not timelogs any ()") == Not(Relation(P("timelogs"), "any", None))
    assert where("T where in_reply_to has()") == Relation(P("in_reply_to"), "has", None)
    assert where('T where author HAS ( first_name is "Jane" )') == Relation(
        P("author"), "has", C("first_name", "is", S("Jane"))
    )


def test_casts_are_kept_on_their_segment():
    query = parse(
        'TypedContext where parent[TypedContext] has (name is "sq010") '
        "and allocations.resource[Group].memberships any ()"
    )

    first, second = query.where.items
    assert first.path == Path((Segment("parent", "TypedContext"),))
    assert second.path.segments == (
        Segment("allocations"),
        Segment("resource", "Group"),
        Segment("memberships"),
    )
    assert str(second.path) == "allocations.resource[Group].memberships"
    assert parse("select parent[Shot].name from Task").projections == (
        Path((Segment("parent", "Shot"), Segment("name"))),
    )


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("10", "integer", 10),
        ("-3", "integer", -3),
        ("+7", "integer", 7),
        ("001", "integer", 1),
        ("2.5", "number", 2.5),
        ("-.5", "number", -0.5),
        ("1.", "number", 1.0),
        ("True", "boolean", True),
        ("false", "boolean", False),
        ("TRUE", "boolean", True),
        ("None", "null", None),
        ("none", "null", None),
        ("null", "null", None),
        ("NULL", "null", None),
        ("active", "bare", "active"),
        ("NOT_STARTED", "bare", "NOT_STARTED"),
        ("ftrack.server", "bare", "ftrack.server"),
        ("john.doe", "bare", "john.doe"),
        ("5671dcb0-66de-11e1-8e6e-f23c91df25eb", "bare", "5671dcb0-66de-11e1-8e6e-f23c91df25eb"),
        ("0f2d7a6a8c4d11eebf5c0242ac120002", "bare", "0f2d7a6a8c4d11eebf5c0242ac120002"),
        ("2017-12-11", "bare", "2017-12-11"),
        ("1e5", "bare", "1e5"),
        ("1.2.3", "bare", "1.2.3"),
        ("john@example.com", "bare", "john@example.com"),
        ("a/b:c+d[1]%_", "bare", "a/b:c+d[1]%_"),
        ("…", "bare", "…"),
    ],
)
def test_unquoted_values_are_classified_and_keep_their_text(text, kind, value):
    literal = where(f"T where name is {text}").value

    assert literal == Literal(kind, value, text)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ('"x"', "x"),
        ("'assignment'", "assignment"),
        ('"001"', "001"),
        ('"True"', "True"),
        ('"none"', "none"),
        ('""', ""),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ('"it\'s"', "it's"),
        (r'"back\\slash"', "back\\slash"),
        (r'"%\%%"', "%\\%%"),
        (r'"\_x"', "\\_x"),
        (r'"a\nb"', "a\\nb"),
        (r'"trailing\\"', "trailing\\"),
        ('"two\nlines, (and) or not"', "two\nlines, (and) or not"),
        ('"tab\there"', "tab\there"),
    ],
)
def test_quoted_strings_are_always_strings_with_escapes_processed(written, value):
    assert where(f"T where name is {written}").value == S(value)


def test_numbers_keep_their_original_text():
    literal = where("T where name is 001").value

    assert (literal.kind, literal.value, literal.text) == ("integer", 1, "001")
    assert where("T where bid is 2.50").value == N("2.50")


def test_keywords_ignore_case_and_names_do_not():
    lower = parse(
        'select id from Task where name is "x" and not bid > 1 or timelogs any () '
        "order by name desc offset 1 limit 2"
    )
    upper = parse(
        'SELECT id FROM Task WHERE name IS "x" AND NOT bid > 1 OR timelogs ANY () '
        "ORDER BY name DESC OFFSET 1 LIMIT 2"
    )

    assert upper == lower
    assert parse("select ID from task where Name is x") == Query(
        projections=(P("ID"),), entity_type="task", where=C("Name", "is", B("x"))
    )


def test_attributes_may_be_named_like_keywords():
    assert parse("select from, to from TypedContextLink").projections == (P("from"), P("to"))
    assert parse("select group from Setting").projections == (P("group"),)
    assert where('Setting where name is "x" and group is "STORAGE"') == And(
        (C("name", "is", S("x")), C("group", "is", S("STORAGE")))
    )
    query = parse(
        "select order, limit, offset, where, select, by from X where order is 1 and limit is 2 "
        "or where is 3 group by group, by order by order, limit desc offset 1 limit 2"
    )
    assert query.projections == tuple(
        P(name) for name in ("order", "limit", "offset", "where", "select", "by")
    )
    assert query.where == Or(
        (And((C("order", "is", I("1")), C("limit", "is", I("2")))), C("where", "is", I("3")))
    )
    assert query.group_by == (P("group"), P("by"))
    assert query.order_by == (OrderItem(P("order")), OrderItem(P("limit"), True))
    assert (query.offset, query.limit) == (1, 2)


def test_attribute_named_not_is_read_by_position():
    assert where("T where not is 5") == C("not", "is", I("5"))
    assert where("T where not not_in (1)") == Membership(P("not"), True, (I("1"),))
    assert where("T where not not is 5") == Not(C("not", "is", I("5")))


def test_values_may_be_keywords():
    assert where("T where status is and and name is order") == And(
        (C("status", "is", B("and")), C("name", "is", B("order")))
    )


@pytest.mark.parametrize(
    ("tail", "offset", "limit"),
    [
        ("", None, None),
        (" offset 20", 20, None),
        (" limit 500", None, 500),
        (" offset 20 limit 500", 20, 500),
        (" limit 500 offset 20", 20, 500),
        (" limit 0", None, 0),
        (" OFFSET 007 LIMIT 1", 7, 1),
    ],
)
def test_paging_in_either_order(tail, offset, limit):
    for expression in (f"select id from Task{tail}", f"Task where id is 1{tail}"):
        query = parse(expression)
        assert (query.offset, query.limit) == (offset, limit)


@pytest.mark.parametrize(
    ("direction", "descending"),
    [("", False), (" asc", False), (" ascending", False), (" desc", True), (" DESCENDING", True)],
)
def test_order_direction(direction, descending):
    assert parse(f"Task order by status.sort{direction}").order_by == (
        OrderItem(P("status.sort"), descending),
    )


def test_order_by_several_keys_and_aggregates():
    query = parse(
        "select status_id, count(id) from Task group by status_id "
        "order by count(id) desc, status_id"
    )

    assert query.projections == (P("status_id"), Aggregate("count", P("id")))
    assert query.group_by == (P("status_id"),)
    assert query.order_by == (
        OrderItem(Aggregate("count", P("id")), True),
        OrderItem(P("status_id"), False),
    )


def test_aggregates_normalise_the_function_name():
    query = parse("select COUNT(id), Sum( timelogs.duration ) from Task group by project_id, x.y")

    assert query.projections == (
        Aggregate("count", P("id")),
        Aggregate("sum", P("timelogs.duration")),
    )
    assert [str(projection) for projection in query.projections] == [
        "count(id)",
        "sum(timelogs.duration)",
    ]
    assert query.group_by == (P("project_id"), P("x.y"))


def test_multi_line_javascript_expression():
    query = parse(
        "\n        select id, name, parent.name\n        from Task\n"
        '        where project.id is "p1"\n'
        '            and status.name in ("Done", "Approved")\n        order by name\n    '
    )

    assert query == Query(
        projections=(P("id"), P("name"), P("parent.name")),
        entity_type="Task",
        where=And(
            (
                C("project.id", "is", S("p1")),
                Membership(P("status.name"), False, (S("Done"), S("Approved"))),
            )
        ),
        order_by=(OrderItem(P("name")),),
    )


def test_whitespace_of_every_kind_separates_tokens():
    query = parse("\r\n\tselect\tid\r\nfrom\n\nTask\twhere\rname\tis\n'x'  \t\r\n")

    assert query == Query(
        projections=(P("id"),), entity_type="Task", where=C("name", "is", S("x"))
    )


# --- syntax errors -----------------------------------------------------------------------


SYNTAX_ERRORS = [
    # section 18
    ("select * from Note limit 1", 7),
    ("Task where", 10),
    ('Project where type == "PROJECT"', 20),
    ("User where name is foo bar", 23),
    ("User limit -1", 11),
    ("User offset x", 12),
    ("select id from User offset 1 limit -1", 35),
    # section 3 notes
    ("Note order by date descoffset 0 limit 25", 19),
    ("AssetVersion where asset.type_id not in (1, 2)", 33),
    ("select from Task", 12),
    ("Task where name is not None", 23),
    ("Task where name not like 'x'", 16),
    ("Task where a <> 1", 14),
    ("Task where a between 1 and 2", 13),
    ('Task where name contains "x"', 16),
    ("Task where bid + 1 > 2", 15),
    ("select count(*) from Task", 13),
    ("select id from Task where id is 1 -- comment", 34),
    # clause order (4.3)
    ("Task limit 5 order by id", 13),
    ("Task order by id where name is x", 17),
    ("select id from Task order by id group by id", 32),
    ("select id from Task limit 1 where id is 1", 28),
    ("Task offset 1 offset 2", 14),
    ("Task limit 1 limit 2", 13),
    ("Task limit 1 offset 2 limit 3", 22),
    ("Task group by id", 5),
    ("Task where id is 1 group by id", 19),
    ("Task where id in (select id from Task group by id)", 38),
    # unterminated strings
    ('Task where name is "abc', 19),
    ("Task where name is 'abc", 19),
    ('Task where name is "abc\\"', 19),
    ("Task where name is 'abc\"", 19),
    ('Task where name in ("a", "b)', 25),
    # lone "!"
    ("Task where a ! b", 13),
    ("Task where a !b", 13),
    ("Task where a is!b", 15),
    # incomplete or malformed pieces
    ("", 0),
    ("   \n ", 5),
    ("select", 6),
    ("select id", 9),
    ("select id from", 14),
    ("select id, from Task", 16),
    ("select id,, name from Task", 10),
    ("select count(id from Task", 16),
    ("select count() from Task", 13),
    ("select count(id, name) from Task", 15),
    ("select id from Ta.sk", 15),
    ("select id from 1Task", 15),
    ("Ta-sk", 0),
    ("Task where (a is 1", 18),
    ("Task where a is 1)", 17),
    ("Task where a in (1 2)", 19),
    ("Task where a in (1,)", 19),
    ("Task where a in 1", 16),
    ("Task where a in (select id from Task", 36),
    ("Task where a in (select id from)", 31),
    ("Task where a has name is x", 17),
    ("Task where a any", 16),
    ("Task where a any (b is 1", 24),
    ("Task where a is (1)", 16),
    ("Task where a is", 15),
    ("Task where a.b..c is 1", 11),
    ("Task where .a is 1", 11),
    ("Task where a[Type is 1", 11),
    ("Task where a[ Type ] is 1", 11),
    ("Task where * is 1", 11),
    ("Task where a is 1 and", 21),
    ("Task where a is 1 or or is", 26),
    ("Task where not", 14),
    ('Task where a is "x"y', 19),
    ("Task order by", 13),
    ("Task order by id,", 17),
    ("Task order id", 11),
    ("Task order by id desc desc", 22),
    ("Task offset", 11),
    ("Task limit", 10),
    ("Task limit 1.5", 11),
    ("Task limit +1", 11),
    ("Task limit 1e3", 11),
    ("Task offset 0x10", 12),
    ("Task limit " + "9" * 5000, 11),
    ("Task where a is " + "9" * 5000, 16),
]


@pytest.mark.parametrize(("expression", "position"), SYNTAX_ERRORS)
def test_syntax_errors_say_where(expression, position):
    with pytest.raises(ParseError) as caught:
        parse(expression)

    content = caught.value.content
    assert content.startswith("Failed to parse")
    assert f"at char {position}" in content
    assert content.endswith(f"in: {expression}")
    assert "{" not in content and "}" not in content
    assert caught.value.exception == "ParseError"


def test_error_names_what_was_expected_and_found():
    def message(expression):
        with pytest.raises(ParseError) as caught:
            parse(expression)
        return caught.value.content

    assert message("select * from Note limit 1") == (
        'Failed to parse: expected a projection, found "*" at char 7 in: '
        "select * from Note limit 1"
    )
    assert message("select from Task") == (
        'Failed to parse: expected "," or "from", found "Task" at char 12 in: select from Task'
    )
    assert message("Task where") == (
        "Failed to parse: expected a condition, found end of expression at char 10 in: Task where"
    )
    assert message('Project where type == "PROJECT"').startswith(
        'Failed to parse: expected a value, found "=" at char 20'
    )
    assert message("User where name is foo bar").startswith(
        'Failed to parse: expected end of expression, found "bar" at char 23'
    )
    assert message("User limit -1").startswith(
        'Failed to parse: expected a non-negative integer, found "-1" at char 11'
    )
    assert message("AssetVersion where asset.type_id not in (1)").startswith(
        'Failed to parse: expected an operator, found "not" at char 33'
    )
    assert message('Task where name is "abc').startswith(
        "Failed to parse: unterminated string at char 19"
    )
    assert message("Task group by id").startswith(
        "Failed to parse: group by needs the select form at char 5"
    )


def test_error_in_a_multi_line_expression_gives_line_and_column():
    expression = "Task\n  where name is foo\n    and bid ! 1\n"

    with pytest.raises(ParseError) as caught:
        parse(expression)

    assert expression.index("!") == 37
    assert 'found "!" at char 37 (line 3, column 13)' in caught.value.content


def test_error_messages_never_contain_braces():
    expression = 'Task where name is {"a": 1} and'

    with pytest.raises(ParseError) as caught:
        parse(expression)

    assert "{" not in caught.value.content and "}" not in caught.value.content
    assert caught.value.content.startswith("Failed to parse")


def test_deep_nesting_is_a_parse_error_not_a_crash():
    shallow = "T where " + "(" * 30 + "a is 1" + ")" * 30
    assert where(shallow) == C("a", "is", I("1"))

    deep = "T where " + "(" * 5000 + "a is 1" + ")" * 5000
    with pytest.raises(ParseError) as caught:
        parse(deep)
    assert caught.value.content.startswith("Failed to parse")


@pytest.mark.parametrize("expression", [None, 42, b"Task", ["Task"]])
def test_non_string_expression_is_a_parse_error(expression):
    with pytest.raises(ParseError) as caught:
        parse(expression)

    assert caught.value.content.startswith("Failed to parse")


# --- render, caching and threads ---------------------------------------------------------


def test_render_writes_canonical_text():
    query = parse(
        "SELECT a, COUNT(b) FROM T WHERE NOT (x = 1 OR y after 'q\"') AND z IN ( 1,c ) "
        "AND w any () GROUP BY a ORDER BY a DESC, count(b) LIMIT 5 OFFSET 2"
    )

    assert render(query) == (
        'select a, count(b) from T where not (x is 1 or y > "q\\"") and z in (1, c) '
        "and w any () group by a order by a desc, count(b) offset 2 limit 5"
    )


def test_path_from_string_round_trips_and_rejects_malformed_text():
    path = Path.from_string("parent[TypedContext].status.name")

    assert path.segments[0] == Segment("parent", "TypedContext")
    assert str(path) == "parent[TypedContext].status.name"
    for malformed in ("", "a..b", "a.", "a[b", "1a", "a b", "*"):
        with pytest.raises(ValueError):
            Path.from_string(malformed)


def test_nodes_are_immutable_and_hashable():
    query = parse("select id from Task where name in (a, b) order by name")

    with pytest.raises(AttributeError):
        query.entity_type = "Shot"
    assert {query: 1}[parse("select  id  from Task where name in (a,b) order by name")] == 1


def test_results_are_cached_by_expression_text():
    expression = "select id from Task where name is cached_example"

    assert parse(expression) is parse(expression)


def test_long_expressions_are_parsed_without_caching():
    ids = ",".join(f"a{number:031x}" for number in range(200))
    expression = f"select id from Task where id in ({ids})"
    assert len(expression) > grammar.CACHEABLE_LENGTH

    first, second = parse(expression), parse(expression)

    assert first == second and first is not second
    assert len(first.where.values) == 200
    assert first.where.values[1] == B(f"a{1:031x}")


def test_concurrent_parsing_gives_the_same_trees():
    expressions = [
        f'select id, name from Task where (parent_id is "p{number}"and key is "k{number}") '
        f"or id in (select task_id from Timelog where bid > {number}) order by name desc "
        f"offset {number} limit 10"
        for number in range(150)
    ]
    invalid = [f"Task where name is foo bar{number}" for number in range(50)]
    expected = {expression: render(parse(expression)) for expression in expressions[:5]}
    barrier = threading.Barrier(16)

    def work(index):
        barrier.wait()
        results = []
        for expression in expressions[index::16] + expressions[:5] + invalid[index::16]:
            try:
                results.append((expression, parse(expression)))
            except ParseError as error:
                results.append((expression, error.content))
        return results

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [item for chunk in pool.map(work, range(16)) for item in chunk]

    assert len(results) == 150 + 16 * 5 + 50
    for expression, result in results:
        if expression in expected:
            assert render(result) == expected[expression]
        elif expression in invalid:
            assert result.startswith("Failed to parse: expected end of expression")
        else:
            number = int(re.search(r'"p(\d+)"', expression).group(1))
            assert result.offset == number
            assert result.where.items[0].items[0] == C("parent_id", "is", S(f"p{number}"))
            assert result.where.items[1].values.where == C("bid", "gt", I(str(number)))
