"""Criteria, coercion and errors of the query compiler, run as real SQL on the test site."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ftrack_server.errors import ParseError
from ftrack_server.query import grammar
from ftrack_server.query.compiler import Compiler, compile_query, escape_like, type_condition

TASKS = ["Compositing", "anim_100%", "animation", "compositing", "modeling"]


def error_of(run_query, expression: str) -> str:
    with pytest.raises(ParseError) as caught:
        run_query(expression)
    return caught.value.content


# -- comparisons -------------------------------------------------------------------------------


class TestStrings:
    def test_equality_ignores_case(self, names):
        assert names('Task where name is "COMPOSITING"') == ["Compositing", "compositing"]
        assert names("ObjectType where name is task") == ["Task"]

    def test_symbolic_and_word_operators_are_interchangeable(self, names):
        assert names("Task where name = animation") == names("Task where name is animation")
        assert names("Task where name != animation") == names("Task where name is_not animation")

    def test_is_not_excludes_nulls(self, names):
        # Only one task has a description: three-valued logic drops the others.
        assert names('Task where description is_not "x"') == ["compositing"]

    def test_ordering_operators_ignore_case(self, names):
        assert names('Task where name after "c"') == ["Compositing", "compositing", "modeling"]
        assert names('Task where name less_than "B"') == ["anim_100%", "animation"]

    def test_number_literal_keeps_its_text_for_strings(self, names, query):
        assert names("Shot where name is 010") == []
        assert query("Metadata where value is 4")[0]["key"] == "frame_padding"

    def test_ids_compare_exactly(self, names, ids):
        shot = ids["shot:sh010"]
        assert names(f"Task where parent_id is {shot}") == ["animation", "compositing"]
        assert names(f"Task where parent_id is {shot.upper()}") == []

    def test_malformed_id_matches_nothing(self, names):
        assert names('Task where id is "non-existant-id"') == []


class TestLike:
    def test_wildcards_match_the_whole_value(self, names):
        assert names('Project where name like "%rones"') == ["thrones"]
        assert names('Task where name like "anim%"') == ["anim_100%", "animation"]
        assert names('Task where name like "_nimation"') == ["animation"]
        assert names('Task where name like "nimation"') == []

    def test_without_wildcards_is_case_insensitive_equality(self, names):
        assert names('Task where name like "COMPOSITING"') == ["Compositing", "compositing"]

    def test_backslash_escapes_wildcards(self, names):
        assert names(r'Task where name like "anim\_%"') == ["anim_100%"]
        assert names(r'Task where name like "%\%"') == ["anim_100%"]
        assert names(r'Task where name like "%\%%"') == ["anim_100%"]

    def test_trailing_backslash_is_literal(self, names):
        # The string escape turns "anim\\\\" into the pattern anim\\ (one backslash).
        assert names('Task where name like "anim\\\\"') == []

    def test_not_like_excludes_nulls(self, names):
        assert names('Task where description not_like "%edges"') == []
        assert names('Task where name not_like "%o%"') == ["anim_100%"]

    def test_non_strings_compare_through_text(self, query, names):
        assert len(query('AssetVersion where version like "%"')) == 4
        assert len(query('AssetVersion where version like "3"')) == 1
        assert names('Task where start_date like "2024-05-03T%"') == ["compositing"]
        assert len(query('User where is_active like "true"')) == 2

    def test_escape_like_helper(self):
        assert escape_like(r"50%_a\b") == r"50\%\_a\\b"


class TestNumbersBooleansDates:
    def test_quoted_numbers_are_converted(self, query):
        assert [
            v["version"] for v in query('select version from AssetVersion where version is "3"')
        ] == [3]
        assert len(query('Component where size >= "1048"')) == 2

    def test_numeric_ordering(self, names):
        assert names("Task where bid greater_than 10") == ["animation"]
        assert names("Task where bid >= 10") == ["animation", "compositing"]
        assert names("Task where bid < 10.5") == ["anim_100%", "compositing"]

    def test_boolean_spellings(self, query):
        for literal in ("True", "true", '"True"', "1", '"1"'):
            assert len(query(f"User where is_active is {literal}")) == 2, literal
        for literal in ("False", "false", "0", '"false"'):
            assert len(query(f"User where is_active is {literal}")) == 1, literal

    def test_date_spellings(self, names):
        assert names('Task where start_date is "2024-05-03"') == ["compositing"]
        assert names("Task where start_date is 2024-05-03T00:00:00") == ["compositing"]
        assert names('Task where start_date is "2024-05-03 00:00:00"') == ["compositing"]
        assert names('Task where start_date is "2024-05-03T00:00:00.750"') == ["compositing"]
        assert names('Task where start_date is "2024-05-03T02:00:00+02:00"') == ["compositing"]
        assert names('Task where start_date is "2024-05-02T22:00:00-02:00"') == ["compositing"]
        assert names('Task where start_date is "2024-05-03T00:00:00.000Z"') == ["compositing"]
        assert names('Task where start_date is "2024-5-3"') == ["compositing"]

    def test_date_ordering_is_chronological(self, names):
        assert names("Task where end_date>= 2024-05-06 and end_date <2024-05-31") == [
            "anim_100%",
            "compositing",
        ]
        assert names('Task where start_date before "2024-05-04"') == ["compositing"]
        assert names('Task where start_date after "2024-05-04"') == ["anim_100%"]

    def test_no_whole_day_equality(self, query):
        assert query('Timelog where start is "2024-05-03"') == []
        assert len(query('Timelog where start >= "2024-05-03" and start < "2024-05-04"')) == 1


class TestNulls:
    def test_is_none_and_is_not_none(self, names):
        assert names("Task where status_id is None") == ["Compositing"]
        assert names("Task where status is none") == ["Compositing"]
        assert names("Task where status != null") == [
            "anim_100%",
            "animation",
            "compositing",
            "modeling",
        ]

    def test_comparisons_with_null_are_unknown_even_negated(self, names):
        assert names("Task where bid < 100") == ["anim_100%", "animation", "compositing"]
        assert names("Task where not bid < 100") == []

    def test_null_through_missing_reference(self, names, query):
        assert names("Task where status.name is None") == ["Compositing"]
        assert query("Project where parent.name is None")

    def test_null_in_list_matches_null(self, names):
        assert names("Task where status_id in (none)") == ["Compositing"]
        assert names("Task where bid in (10, none)") == ["Compositing", "compositing", "modeling"]
        assert names("Task where bid not_in (10, none)") == ["anim_100%", "animation"]


class TestLists:
    def test_in_ignores_case_and_mixes_kinds(self, names):
        assert names('Task where name in ("ANIMATION", modeling, 123)') == [
            "animation",
            "modeling",
        ]
        assert names('Task where name in ("animation")') == ["animation"]

    def test_not_in(self, names):
        assert names("Task where name not_in (compositing, animation)") == [
            "anim_100%",
            "modeling",
        ]

    def test_empty_lists(self, names):
        assert names("Task where name in ()") == []
        assert names("Task where name not_in ()") == TASKS
        assert names("Task where bid not_in ()") == ["anim_100%", "animation", "compositing"]

    def test_id_lists(self, names, ids):
        first, second = ids["task:sh010/animation"], ids["task:dragon/modeling"]
        assert names(f"Task where id in ({first},{second})") == ["animation", "modeling"]


# -- references and collections ----------------------------------------------------------------


class TestReferences:
    def test_paths_through_references(self, names, query):
        assert names('Task where parent.parent.name is "sq020"') == ["anim_100%"]
        assert names('Task where project.full_name like "here be%"') == TASKS
        assert len(query('Component where version.asset.parent.name is "dragon"')) == 3

    def test_reference_compared_with_a_key(self, names, ids):
        shot = ids["shot:sh010"]
        assert names(f'Task where parent is "{shot}"') == ["animation", "compositing"]
        assert names(f'Task where parent is_not "{shot}"') == [
            "Compositing",
            "anim_100%",
            "modeling",
        ]
        assert names(f"Task where parent in ({shot})") == ["animation", "compositing"]

    def test_foreign_key_and_path_agree(self, names, ids):
        shot = ids["shot:sh010"]
        assert names(f"Task where parent_id is {shot}") == names(f"Task where parent.id is {shot}")

    def test_has(self, names):
        assert names('Task where status has (name is "approved")') == ["compositing", "modeling"]
        assert names("Task where status has ()") == [
            "anim_100%",
            "animation",
            "compositing",
            "modeling",
        ]
        assert names("Task where not status has ()") == ["Compositing"]

    def test_has_is_never_unknown(self, names):
        # The status exists but its state short is not "DONE": not has (...) is true.
        assert names('Task where not status has (state.short is "DONE")') == [
            "Compositing",
            "anim_100%",
            "animation",
        ]

    def test_has_keeps_conditions_on_one_target(self, query):
        assert (
            len(query('Note where author has (first_name is "Jane" and last_name is "Doe")')) == 2
        )
        assert query('Note where author has (first_name is "Jane" and last_name is "Smith")') == []

    def test_computed_reference(self, query, ids):
        found = query("Asset where latest_version.version is 3")
        assert [asset["id"] for asset in found] == [ids["asset:dragon_model"]]
        assert len(query("Asset where latest_version is_not None")) == 2
        assert len(query(f'Asset where latest_version is "{ids["version:dragon_model/v3"]}"')) == 1


class TestCollections:
    def test_implicit_any(self, names):
        assert names('Task where timelogs.start >= "2024-05-04"') == ["animation", "compositing"]
        assert names("Task where timelogs.duration > 5000") == ["animation"]

    def test_each_condition_is_quantified_separately(self, names):
        assert names("Project where metadata.key is k and metadata.value is v") == ["dragons"]
        assert names('Project where metadata any (key is "k" and value is "v")') == []
        assert names('Project where metadata any (key is "k" and value is "x")') == ["dragons"]

    def test_negative_operators_are_existential(self, names):
        # sh020's task: its shot is in progress, so some ancestor is not blocked.
        assert names('Task where ancestors.status.state.short is_not "BLOCKED"') == [
            "Compositing",
            "animation",
            "compositing",
        ]
        assert names('Task where not ancestors.status.state.short is "DONE"') == [
            "Compositing",
            "anim_100%",
            "modeling",
        ]

    def test_any_with_and_without_criteria(self, names):
        assert names("Task where timelogs any ()") == ["animation", "compositing"]
        assert names("Task where not timelogs any ()") == ["Compositing", "anim_100%", "modeling"]
        assert names('Task where assignments any (resource.username is "john.doe")') == [
            "compositing"
        ]

    def test_through_link_tables_and_closure(self, names, query):
        assert names("Task where lists any (name is Dailies)") == ["animation", "compositing"]
        assert names('TypedContext where descendants any (name is "modeling")') == [
            "assets",
            "dragon",
        ]
        assert names('Shot where children any (name is "animation")') == ["sh010"]
        assert len(query('List where items any (name is "compositing")')) == 1

    def test_nested_collections(self, names):
        assert names(
            "Project where allocations.resource[Group].memberships any "
            '(user.username is "john.doe")'
        ) == ["dragons"]
        assert names("Project where descendants.timelogs.duration > 7000") == ["dragons"]

    def test_subquery(self, query, ids):
        found = query(
            "Note where id in "
            '(select in_reply_to_id from Note where author.username is "jane.doe")'
        )
        assert [note["id"] for note in found] == [ids["note:sh010"]]
        assert len(query("Note where id not_in (select in_reply_to_id from Note)")) == 2

    def test_subquery_applies_order_and_limit(self, names, query):
        expression = "Task where id in (select id from Task order by bid desc limit 1)"
        assert names(expression) == ["animation"]
        expression = "Task where id in (select id from Task order by bid desc offset 1 limit 2)"
        assert names(expression) == ["anim_100%", "compositing"]
        # Without an order the primary key keeps paging stable.
        ordered = sorted(task["id"] for task in query("Task"))
        expression = "select id from Task where id in (select id from Task offset 1 limit 2)"
        assert sorted(task["id"] for task in query(expression)) == ordered[1:3]

    def test_nested_subqueries(self, names):
        inner = 'select id from Shot where name is "sh010"'
        expression = f"Task where parent_id in (select id from Shot where id in ({inner}))"
        assert names(expression) == ["animation", "compositing"]

    def test_string_subquery_ignores_case(self, names):
        assert names('Task where name in (select name from Type where name is "compositing")') == [
            "Compositing",
            "compositing",
        ]


class TestPolymorphism:
    def test_member_type_adds_its_discriminator(self, names, query):
        assert names("Shot where project.name is dragons") == ["SH020", "sh010", "sh030"]
        assert [user["__entity_type__"] for user in query("User")] == ["User"] * 3

    def test_classifier_contradiction_matches_nothing(self, names):
        assert names('Shot where object_type.name is "Task"') == []

    def test_casts(self, names):
        # sh010 twice: one in each project.
        assert names('TypedContext where parent[TypedContext] has (name is "sq010")') == [
            "SH020",
            "sh010",
            "sh010",
        ]
        assert names('Shot where parent[Sequence] has (project.name is "thrones")') == ["sh010"]
        assert names('Task where parent[Shot].name like "sh%"') == [
            "Compositing",
            "anim_100%",
            "animation",
            "compositing",
        ]
        assert names("Task where parent[AssetBuild] has ()") == ["modeling"]
        assert names("Task where parent[AssetBuild].name is None") == TASKS[:4]

    def test_implicit_narrowing_in_criteria(self, query, names, ids):
        assert [r["id"] for r in query("Resource where username is john.doe")] == [
            ids["user:john.doe"]
        ]
        assert names('Context where status.name is "Approved"') == [
            "compositing",
            "modeling",
            "sh010",
        ]
        found = query('CustomAttributeLink where user.username is "john.doe"')
        assert [link["id"] for link in found] == [ids["link:supervisor"]]

    def test_narrowing_inside_any(self, names, query, ids):
        expression = 'Task where custom_attribute_links any (user.username is "john.doe")'
        assert names(expression) == ["compositing"]
        expression = 'User where custom_attribute_links_from any (context.name is "compositing")'
        assert [user["id"] for user in query(expression)] == [ids["user:john.doe"]]
        expression = 'Task where assignments any (resource.username = "jane.doe")'
        assert names(expression) == ["animation", "compositing"]

    def test_narrowed_items_of_other_members_do_not_match(self, query):
        # Groups have no username: an allocation of a group never matches.
        expression = "Project where allocations any (resource.username is None)"
        assert query(expression) == []
        assert len(query("Project where allocations any (resource.name is Artists)")) == 1


class TestCustomAttributesAndMetadata:
    def test_string_values_ignore_case(self, names):
        expression = 'Task where custom_attributes any (key is "my_text_field" and value is "BAR")'
        assert names(expression) == ["compositing"]

    def test_boolean_values(self, names):
        for literal in ("True", "true", '"true"', "1"):
            expression = (
                f'Project where custom_attributes any (key is "new_ingest" and value is {literal})'
            )
            assert names(expression) == ["dragons"], literal

    def test_number_values(self, names):
        for condition in ('value is "1010"', "value is 1010.0", "value > 1005", "value <= 1010"):
            expression = f'Shot where custom_attributes any (key is "fstart" and {condition})'
            assert names(expression) == ["sh010"], condition
        assert names('Shot where custom_attributes any (key is "fend" and value is 1150.5)') == [
            "sh010"
        ]

    def test_list_values_are_existential(self, names):
        for condition in ('value in ("foo")', 'value is "bar"', 'value in ("x", "FOO")'):
            expression = f'Shot where custom_attributes any (key is "tags" and {condition})'
            assert names(expression) == ["SH020"], condition
        assert names('Shot where custom_attributes any (key is "tags" and value is "fo")') == []

    def test_date_values(self, names):
        expression = (
            'Shot where custom_attributes any (key is "delivery" and value after "2024-05-01")'
        )
        assert names(expression) == ["SH020"]
        expression = (
            'Shot where custom_attributes any (key is "delivery" and value is "2024-06-01")'
        )
        assert names(expression) == ["SH020"]

    def test_like_on_values(self, names):
        expression = (
            'Task where custom_attributes any (key is "my_text_field" and value like "b%")'
        )
        assert names(expression) == ["compositing"]

    def test_filters_see_stored_values_only(self, names):
        assert names('Shot where not custom_attributes any (configuration.key is "fend")') == [
            "SH020",
            "sh010",
            "sh030",
        ]
        assert names("Shot where not custom_attributes any ()") == ["sh010", "sh030"]
        # The default (1001) is not a stored value.
        assert names('Shot where custom_attributes any (key is "fstart" and value is 1001)') == []

    def test_base_value_type_uses_configuration_key(self, query):
        assert [
            value["key"]
            for value in query("CustomAttributeValue where configuration.key is fstart")
        ] == ["fstart"]
        assert (
            query("select value from CustomAttributeValue where configuration.key is reviewed")[0][
                "value"
            ]
            is True
        )

    def test_metadata(self, names, query, ids):
        expression = 'Sequence where metadata any (key is "frame_padding" and value is "4")'
        assert names(expression) == ["sq010"]
        assert names("Project where metadata any (key=k and value=x)") == ["dragons"]
        assert names("Project where metadata.key is CLIENT") == ["dragons"]
        expression = (
            'AssetVersion where metadata any (key="kind" and value="render") '
            'and metadata any (key="version" and value="3")'
        )
        assert [version["id"] for version in query(expression)] == [ids["version:dragon_model/v3"]]


class TestComputed:
    def test_time_logged_in_criteria_and_order(self, query):
        found = query(
            "select name, time_logged from Task where time_logged > 0 order by time_logged desc"
        )
        assert [(task["name"], task["time_logged"]) for task in found] == [
            ("animation", 7200.0),
            ("compositing", 5400.0),
        ]

    def test_bid_time_logged_difference(self, names):
        assert names("Task where bid_time_logged_difference < 0") == ["animation", "compositing"]
        assert names("Task where bid_time_logged_difference is 5.5") == ["anim_100%"]

    def test_is_latest_version(self, query, ids):
        found = query("AssetVersion where is_latest_version is true")
        assert sorted(v["id"] for v in found) == sorted(
            [ids["version:dragon_model/v3"], ids["version:sh010_plate/v1"]]
        )
        assert len(query('AssetVersion where is_latest_version is "False"')) == 2


# -- errors ----------------------------------------------------------------------------------


ERRORS = [
    ("select id from Tsk", "Unknown entity type", "Tsk"),
    ("Note where parent.id is x", "Unknown attribute", "parent"),
    ("select full_name, status.name from Project", "Unknown attribute", "status"),
    ("select object_type.is_prioritizable from Task", "Unknown attribute", "is_prioritizable"),
    ("select __permissions.status_id from Task", "Unknown attribute", "__permissions"),
    ("Task order by nonsense", "Unknown attribute", "nonsense"),
    ("select count(id) from Task group by nonsense", "Unknown attribute", "nonsense"),
    (
        "select custom_attribute_links from Task",
        "Attribute cannot be projected",
        "custom_attribute_links",
    ),
    ('Sequence where metadata has (key is "x")', "Invalid operator", "has"),
    ('Note where author any (first_name is "x")', "Invalid operator", "any"),
    ("Task where name has ()", "Invalid operator", "name"),
    ('Task where children is "x"', "Invalid operator", "children"),
    ('Task where children in ("x")', "Invalid operator", "children"),
    ('Task where parent > "x"', "Invalid operator", "parent"),
    ('Task where parent like "x"', "Invalid operator", "parent"),
    ('select link from Task where link is "x"', "Invalid operator", "link"),
    ("Task where thumbnail_url is None", "Invalid operator", "thumbnail_url"),
    ("Task order by link", "Invalid operator", "link"),
    ("Task order by timelogs.duration", "Invalid operator", "timelogs"),
    ('Task where bid > "abc"', "Invalid value", "abc"),
    ('Task where start_date after "yesterday"', "Invalid value", "yesterday"),
    ('User where is_active is "maybe"', "Invalid value", "maybe"),
    ("AssetVersion where version is true", "Invalid value", "true"),
    ("Task where name > None", "Invalid value", "None"),
    ("Task where name like null", "Invalid value", "null"),
    ("Task where parent[Note].name is x", "Invalid cast", "Note"),
    ("Task where name[Shot] is x", "Invalid cast", "Shot"),
    ("select parent[User].name from Task", "Invalid cast", "User"),
    ("Task where id in (select id, name from Task)", "Invalid subquery", "id, name"),
    ("Task where id in (select timelogs from Task)", "Invalid subquery", "timelogs"),
    ("Task where id in (select status from Task)", "Invalid subquery", "status"),
    ("Task where id in (select timelogs.id from Task)", "Invalid subquery", "timelogs"),
    ("select name, count(id) from Task group by status_id", "Invalid aggregation", "name"),
    ("select sum(name) from Task", "Invalid aggregation", "name"),
    ("select count(timelogs.id) from Task", "Invalid aggregation", "timelogs"),
    ("select count(id) from Task group by status_id order by name", "Invalid aggregation", "name"),
    ("Task order by count(id)", "Invalid aggregation", "count(id)"),
    ("select * from Note limit 1", "Failed to parse", "*"),
]


@pytest.mark.parametrize(("expression", "prefix", "named"), ERRORS)
def test_error_messages(run_query, expression, prefix, named):
    message = error_of(run_query, expression)
    assert message.startswith(prefix)
    assert named in message
    assert "{" not in message and "}" not in message


def test_compile_errors_name_the_expression(run_query):
    assert error_of(run_query, "Task where nonsense is 1").endswith("in: Task where nonsense is 1")


# -- compiler pieces ---------------------------------------------------------------------------


def test_compiled_query_exposes_sql(model):
    query = grammar.parse('select name from Shot where parent.name is "sq010" order by name')
    compiled = compile_query(model, query)
    statement = (
        sa.select(compiled.scope.alias.c.id)
        .select_from(compiled.scope.from_clause)
        .where(compiled.where)
        .order_by(*compiled.order_by)
    )
    sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
    assert "LEFT OUTER JOIN context" in sql
    assert "lower(" in sql
    assert "bad911de-3bd6-47b9-8b46-3476e237cb36" in sql  # Shot's classifier


def test_type_condition_reduces_to_top_types(model):
    compiler = Compiler(model)
    alias = compiler.table(model.types["Context"]).alias()
    members = model.types["TypedContext"].members
    condition = type_condition(model, alias, members)
    assert (
        str(condition.compile(compile_kwargs={"literal_binds": True})).count("context_type") == 1
    )
    assert type_condition(model, alias, ("Context",)) is None
