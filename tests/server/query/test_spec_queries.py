"""Every expression of query-language.md, run against the test site.

Three sets:

* the grammar's list of syntactically valid spec expressions (``test_grammar``): each
  must run, or fail with one of the documented semantic ParseError prefixes (several
  name attributes the reference schema lacks, or are spec examples of errors);
* the spec's valid examples with their placeholders filled in from the test site, each
  with the number of rows it must return;
* the error examples of section 18 (and elsewhere), each with its message prefix.
"""

from __future__ import annotations

import random
from typing import Optional, Tuple

import pytest

from ftrack_server.errors import ParseError

from .test_grammar import SPEC_QUERIES

SEMANTIC_PREFIXES = (
    "Unknown entity type",
    "Unknown attribute",
    "Attribute cannot be projected",
    "Invalid operator",
    "Invalid value",
    "Invalid cast",
    "Invalid subquery",
    "Invalid aggregation",
)


@pytest.mark.parametrize("expression", SPEC_QUERIES)
def test_grammar_spec_queries_run_or_fail_with_a_documented_error(run_query, expression):
    try:
        result = run_query(expression)
    except ParseError as error:
        assert error.content.startswith(SEMANTIC_PREFIXES), error.content
        assert "{" not in error.content and "}" not in error.content
    else:
        assert result["action"] == "query"
        assert isinstance(result["data"], list)
        assert set(result["metadata"]["next"]) == {"offset"}


# Spec examples (placeholders filled from the test site) and how many rows they return.
VALID = [
    # 1.1, 1.2
    ("Task where name is compositing", 2),
    ("select context_type, id, name from Task where name is animation offset 0 limit 500", 1),
    ('select id, name, sort from Status where (id is "{status:Approved}")', 1),
    (
        'select parent_id, key, value from Metadata where (parent_id is "{sequence:sq010}" '
        'and key is "frame_padding")',
        1,
    ),
    ("select username, email from User where id is {user:john.doe}", 1),
    ("select username from User where id in ({user:john.doe},{user:jane.doe})", 2),
    (
        'select value from Metadata where (parent_id is "{project:dragons}"and key is "k") or '
        '(parent_id is "{sequence:sq010}"and key is "frame_padding")',
        2,
    ),
    ("select status.id from Task where id is {task:sh010/compositing}", 1),
    (
        "select bid, description, end_date, start_date from Task "
        "where id is {task:sh010/animation}",
        1,
    ),
    (
        'select id from Timelog where start is "2024-05-03T09:00:00" and duration is 3600 and '
        'user_id is "{user:john.doe}" limit 2',
        1,
    ),
    (
        'select id from Timelog where start is "2024-05-03T09:00:00.000Z" and duration is 3600 '
        "and comment is null",
        1,
    ),
    (
        "select component_id, resource_identifier from ComponentLocation where location_id is "
        "{location:ftrack.server} and component_id in ({component:v1_main}, {component:v3_main})",
        2,
    ),
    ('select value from Setting where name is "storage_scenario" and group is "STORAGE"', 0),
    ('Timer where user_id = "{user:john.doe}"', 0),
    (
        "select key, project_id, id, object_type_id, entity_type, is_hierarchical from "
        "CustomAttributeConfiguration",
        10,
    ),
    # 2.1 whitespace
    ("Project where metadata any (key=k and value=x)", 1),
    ("Task where id={task:sh010/animation}", 1),
    ('AssetVersion where components.name is "main"and is_latest_version is "True"', 2),
    ("Task where end_date>= 2024-05-06 and end_date <2024-05-31", 2),
    ("Appointment where type is 'assignment'", 3),
    ("select from_id, to_id from TypedContextLink", 0),
    ("select from, to from TypedContextLink", 0),
    ('Task where name is "say \\"hi\\""', 0),
    # 4.2 select-less
    ("User", 3),
    ("User offset 2", 1),
    ("User order by first_name desc", 3),
    ("User order by first_name limit 2", 2),
    ('Shot where parent.name is "sq010" offset 1', 2),
    # 5.3, 5.4
    (
        'TypedContext where object_type.name in ("Asset Build", "Shot") '
        'and project_id is "{project:dragons}"',
        4,
    ),
    (
        "select id from TypedContext where parent_id in ({shot:sh010}) and "
        "object_type_id != '11c137c0-ee7e-4f9c-91c5-8c77cec22b2c'",
        0,
    ),
    ('Context where context_type is "show"', 2),
    ("List where project_id is \"{project:dragons}\" and system_type is 'assetversion'", 1),
    ('Shot where object_type.name is "Task"', 0),
    ('select link from Task where assignments any (resource.username = "jane.doe")', 2),
    ("select project, priority, assignments.resource.username, link, status.name from Task", 5),
    ('Context where parent[TypedContext] has (status.name is "Approved")', 2),
    (
        'Task where custom_attribute_links any (configuration.key is "supervisor" and '
        'user.username is "john.doe")',
        1,
    ),
    (
        'User where custom_attribute_links_from any (configuration.key is "supervisor" and '
        "context.bid > 1)",
        1,
    ),
    # 6
    ('Task where project.id is "{project:dragons}"', 5),
    ('Note where author.username is "john.doe"', 1),
    ('Component where version.asset.parent.project_id is "{project:dragons}"', 4),
    ("Task where parent.name is None", 0),
    ('Task where timelogs.start >= "2024-05-04"', 2),
    ('Project where metadata.key is "k" and metadata.value is "v"', 1),
    ('Project where metadata any (key is "k" and value is "v")', 0),
    ('Task where ancestors.status.state.short is_not "BLOCKED"', 3),
    ('Task where not ancestors any (status.state.short is "DONE")', 3),
    (
        'TypedContext where name is "sh010" and parent[TypedContext] has (name is "sq010" and '
        'project.name is "thrones")',
        1,
    ),
    (
        "select name from Project where allocations.resource[Group].memberships any "
        '(user.username is "john.doe")',
        1,
    ),
    ("select parent[Shot].name from Task", 5),
    ("AssetVersion where asset is_not None", 4),
    ("Shot where thumbnail is_not none", 1),
    ("Timelog where context_id != none", 3),
    ("Component where version.asset_id != None", 4),
    ('Shot where parent is "{sequence:sq010}"', 2),
    ('AssetVersion where asset.id is "{asset:dragon_model}" and is_latest_version is true', 1),
    ("select link, _link, thumbnail_url from Task", 5),
    ("select _task_workflow, _schemas, _overrides from ProjectSchema", 0),
    # 7
    ('AssetVersion where version is "3"', 1),
    ('Component where size >= "2048"', 2),
    ('AssetVersion where is_latest_version is "True"', 2),
    ('Note where date is "2024-05-11"', 1),
    ("Task where start_date >= 2024-5-4", 2),
    ('Note where date >= "2024-05-10" and date < "2024-05-11"', 2),
    ("Task where description = None", 4),
    ("Task where description != None", 1),
    ("Task where id in (none)", 0),
    ('CustomAttributeValue where value in (1010, "abc")', 1),
    ('Task where name in ("animation","modeling")', 2),
    ('Metadata where value in ("ACME")', 1),
    # 8
    ("Task where bid greater_than 10", 1),
    ("Task where bid less_than 10", 1),
    ('Task where name after "m"', 1),
    ('Task where end_date before "2024-06-01"', 2),
    ("Task where bid <= 10 and bid >= 1 and bid < 20 and bid > 2", 2),
    ('ObjectType where name is "task"', 1),
    ("CustomAttributeConfiguration where type.name is Enumerator", 1),
    ("User where email like 'JOHN.DOE@example.com'", 1),
    ('Project where name like "%thrones"', 1),
    ('Shot where name like "sh%"', 4),
    ('Task where name like "%100\\%"', 1),
    ('AssetVersion where version like "%"', 4),
    ('Task where name not_like "%o%"', 1),
    ('Task where name in ("")', 0),
    ('Sequence where metadata any (key is "frame_padding" and value is "4")', 1),
    ('Task where description is_not "x"', 1),
    # 9
    ('Task where not status.name is "approved"', 2),
    ('Task where not (status.name is "approved" or bid > 10)', 1),
    ("Task where not timelogs any ()", 3),
    ("Note where not in_reply_to has ()", 2),
    ("Task where not id in ({task:sh010/animation})", 4),
    (
        'Task where ((((bid > 1) and (name like "%ing" and name like "comp%")) and '
        'name like "%posit%") and ((parent.parent.name = "sq010") or '
        'parent.children any (((name = "x") and (parent.name = "y")))))',
        1,
    ),
    ('Status where (id is "{status:Approved}")', 1),
    ("Task where not not name is modeling", 1),
    # 10
    ('Note where author has (first_name is "Jane" and last_name is "Doe")', 2),
    ('Note where author.first_name is "Jane" and author.last_name is "Doe"', 2),
    ('Task where parent.children any (name is "animation")', 2),
    ('Task where project.metadata any (key is "k")', 5),
    ('AssetVersion where asset.parent.metadata any (key is "frame_padding")', 0),
    ("Task where not custom_attributes any ()", 3),
    ('Task where custom_attributes any ( key is "my_text_field" and value is "bar")', 1),
    ("Task where timelogs any()", 2),
    # 11
    ('Note where id in (select in_reply_to_id from Note where author.username is "jane.doe")', 1),
    ('Task where id not_in (select parent_id from Note where content like "%x%")', 5),
    (
        "Task where id in (select context_id from Timelog where user_id in "
        '(select id from User where username is "john.doe") order by start desc limit 1)',
        1,
    ),
    ("Note where id in (\n    select in_reply_to_id\n    from Note\n)", 1),
    # 12
    ('Task where custom_attributes any (key is "my_text_field" and value is "bar")', 1),
    ('Project where custom_attributes any (key is "new_ingest" and value is True)', 1),
    ('Shot where custom_attributes any (key is "tags" and value in ("foo"))', 1),
    (
        "select custom_attributes from Task "
        "where custom_attributes.configuration.key is my_text_field",
        2,
    ),
    ('Shot where not custom_attributes any (configuration.key is "fend")', 3),
    ("select custom_attributes from Shot where not custom_attributes any ()", 2),
    ("CustomAttributeValue where configuration.key is fstart", 1),
    ("CustomAttributeValue where entity_id is {shot:sh010} and configuration.key is fend", 1),
    ("Project where metadata.key is client", 1),
    (
        'select value from Metadata where key is "kind" and parent_type is "AssetVersion" and '
        'parent_id is "{version:dragon_model/v3}"',
        1,
    ),
    (
        "AssetVersion where task.id = {task:dragon/modeling} and metadata any "
        '(key="kind" and value="render") and metadata any (key="version" and value="3")',
        1,
    ),
    (
        'select user from CustomAttributeLink where configuration.key = "supervisor" and '
        'from_id = "{task:sh010/compositing}"',
        1,
    ),
    # 13
    ("select status.state.short from Task", 5),
    ("select versions.components.name from Asset", 2),
    ("select status.name, status.color from Task", 5),
    ("select id, name, status_id, type.name, status_id, type.name from Task", 5),
    ("select asset , asset.name from AssetVersion", 4),
    ("select metadata.key, metadata.value from Project", 2),
    (
        "select parent.context_type, parent.id, parent.name from Task "
        "where id is {task:sh010/animation}",
        1,
    ),
    # 14
    ("AssetVersion order by version desc", 4),
    ("AssetVersion order by version descending", 4),
    ("Status order by sort desc, name asc", 4),
    ("Task order by status.sort asc, name asc", 5),
    ("Task order by priority.sort", 5),
    ("AssetVersion order by asset.name ascending", 4),
    ("Task order by project.full_name", 5),
    ("ReviewSessionObject order by asset_version.asset.name", 0),
    # 15
    ("Task limit 0", 0),
    ("select id from Task offset 0 limit 0", 0),
    # 16
    ("select count(id) from Task group by status_id", 3),
    ("select count(id) from Task group by project_id, status_id", 3),
    ("select status_id, count(id) from Task group by status_id order by count(id) desc", 3),
    ("select status.name, avg(bid), min(bid), max(bid) from Task group by status.name", 3),
    ("select count(id) from Task", 1),
    # 17
    (
        "select asset.name, id, link, version from AssetVersion "
        "order by asset.name, version desc limit 100",
        4,
    ),
]


def _fill(expression: str, ids) -> str:
    """Replace ``{key}`` placeholders with test site ids."""
    parts = expression.split("{")
    filled = [parts[0]]
    for part in parts[1:]:
        key, rest = part.split("}", 1)
        filled.append(ids[key] + rest)
    return "".join(filled)


@pytest.mark.parametrize(("expression", "count"), VALID)
def test_spec_examples(run_query, ids, expression, count):
    result = run_query(_fill(expression, ids))
    assert len(result["data"]) == count


ERRORS = [
    ("select * from Note limit 1", "Failed to parse"),
    ("Task where", "Failed to parse"),
    ('Project where type == "PROJECT"', "Failed to parse"),
    ("User where name is foo bar", "Failed to parse"),
    ("select id from Task limit -1", "Failed to parse"),
    ("select id from Task offset x", "Failed to parse"),
    ("select from Task", "Failed to parse"),
    ("select id from Tsk", "Unknown entity type"),
    ("select id from task", "Unknown entity type"),
    ('Note where parent.id is "x"', "Unknown attribute"),
    ("select object_type.is_prioritizable from Task", "Unknown attribute"),
    ("select full_name, status.name from Project", "Unknown attribute"),
    ("select __permissions.status_id from Task", "Unknown attribute"),
    ("select custom_attribute_links from Task", "Attribute cannot be projected"),
    (
        "select custom_attribute_links_from.configuration from Task",
        "Attribute cannot be projected",
    ),
    ('Sequence where metadata has (key is "frame_padding" and value is "4")', "Invalid operator"),
    ('Note where author any (first_name is "Jane")', "Invalid operator"),
    ("Task where name has ()", "Invalid operator"),
    ('Task where children is "x"', "Invalid operator"),
    ('select link from Task where link is "x"', "Invalid operator"),
    ("Task order by thumbnail_url", "Invalid operator"),
    ('Task where bid > "abc"', "Invalid value"),
    ('Task where start_date after "yesterday"', "Invalid value"),
    ('User where is_active is "maybe"', "Invalid value"),
    ("Task where parent[Note].name is x", "Invalid cast"),
    ("Task where id in (select id, name from Task)", "Invalid subquery"),
    ("Task where id in (select count(id) from Task)", "Invalid subquery"),
    ("Task where id in (select assignments from Task)", "Invalid subquery"),
    ("select name, count(id) from Task group by status_id", "Invalid aggregation"),
    (
        "select name, count(id) from Task group by status_id order by name offset 5 limit 10",
        "Invalid aggregation",
    ),
    ("select sum(timelogs.duration) from Task", "Invalid aggregation"),
]


@pytest.mark.parametrize(("expression", "prefix"), ERRORS)
def test_spec_errors(run_query, expression, prefix):
    with pytest.raises(ParseError) as caught:
        run_query(expression)
    assert caught.value.content.startswith(prefix)
    assert "{" not in caught.value.content and "}" not in caught.value.content


# -- random expressions over the model's real names -----------------------------------------

FUZZ_TYPES = [
    "Task", "Shot", "Context", "TypedContext", "Project", "AssetVersion", "Asset",
    "Component", "User", "Resource", "Note", "Timelog", "CustomAttributeValue", "Metadata",
    "List", "Appointment", "CustomAttributeLink", "ComponentLocation", "Status",
]  # fmt: skip
FUZZ_VALUES = [
    '"x"', "None", "true", "1", "2.5", '"2024-05-03"', "sh010", '"%a%"', '""', "-3",
    '"1010"', "'bar'", "2024-05-03T00:00:00Z", "99999999999999999999999",
]  # fmt: skip
FUZZ_OPERATORS = ["is", "is_not", ">", "<", ">=", "<=", "like", "not_like", "after", "before"]


class ExpressionMaker:
    """Random but well-formed expressions over the model's attribute names."""

    def __init__(self, model, seed: int) -> None:
        self.model = model
        self.random = random.Random(seed)

    def path(self, type_name: str, depth: int = 0) -> Tuple[str, Optional[str]]:
        """A path and the target type of its last segment (None for scalars)."""
        entity_type = self.model.types[type_name]
        candidates = dict(entity_type.attributes)
        for member in entity_type.members[1:4]:
            candidates.update(self.model.types[member].attributes)
        name = self.random.choice(sorted(candidates))
        attribute = candidates[name]
        if attribute.target is None:
            return name, None
        target = self.model.types[attribute.target]
        if self.random.random() < 0.15:
            name += f"[{self.random.choice(target.members)}]"
        if depth < 3 and self.random.random() < 0.6:
            rest, leaf = self.path(attribute.target, depth + 1)
            return f"{name}.{rest}", leaf
        return name, attribute.target

    def condition(self, type_name: str, depth: int = 0) -> str:
        choice = self.random.random()
        if depth < 2 and choice < 0.15:
            connective = self.random.choice(["and", "or"])
            left = self.condition(type_name, depth + 1)
            return f"({left} {connective} {self.condition(type_name, depth + 1)})"
        if depth < 2 and choice < 0.22:
            return "not " + self.condition(type_name, depth + 1)
        path, target = self.path(type_name)
        choice = self.random.random()
        if choice < 0.15:
            inner = ""
            if depth < 2 and self.random.random() < 0.7:
                inner = self.condition(target or type_name, depth + 1)
            return f"{path} {self.random.choice(['has', 'any'])} ({inner})"
        if choice < 0.3:
            count = self.random.randint(0, 3)
            values = ", ".join(self.random.choice(FUZZ_VALUES) for _ in range(count))
            return f"{path} {self.random.choice(['in', 'not_in'])} ({values})"
        if choice < 0.35:
            inner_type = self.random.choice(FUZZ_TYPES)
            return f"{path} in (select {self.path(inner_type)[0]} from {inner_type} limit 3)"
        operator = self.random.choice(FUZZ_OPERATORS)
        return f"{path} {operator} {self.random.choice(FUZZ_VALUES)}"

    def query(self) -> str:
        type_name = self.random.choice(FUZZ_TYPES)
        group = self.path(type_name)[0] if self.random.random() < 0.15 else None
        if group is not None:
            expression = f"select count(id), {group} from {type_name}"
        else:
            count = self.random.randint(1, 3)
            projections = ", ".join(self.path(type_name)[0] for _ in range(count))
            expression = f"select {projections} from {type_name}"
        if self.random.random() < 0.8:
            expression += " where " + self.condition(type_name)
        if group is not None:
            expression += f" group by {group}"
        if self.random.random() < 0.3:
            expression += " order by " + self.path(type_name)[0]
            expression += self.random.choice(["", " desc"])
        if self.random.random() < 0.3:
            expression += f" offset {self.random.randint(0, 3)} limit {self.random.randint(0, 3)}"
        return expression


@pytest.mark.parametrize("seed", range(8))
def test_random_expressions_run_or_fail_with_a_parse_error(run_query, model, seed):
    maker = ExpressionMaker(model, seed)
    ran = 0
    for _ in range(60):
        expression = maker.query()
        try:
            result = run_query(expression)
        except ParseError as error:
            assert error.content.startswith(SEMANTIC_PREFIXES), (expression, error.content)
        else:
            assert isinstance(result["data"], list), expression
            ran += 1
    assert ran > 0
