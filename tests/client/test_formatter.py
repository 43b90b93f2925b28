"""Tests for ftrack_api.formatter.

Entities are minimal stand-ins with what the formatter relies on: ``entity_type``,
``attributes`` (objects with ``name`` and ``get_value``), ``primary_key_attributes``
and ``entity[name]`` (for the identity). Collections are lists with an ``entity``.
"""

from __future__ import annotations

import io
import sys

import pytest

import ftrack_api.formatter as formatter
from ftrack_api.symbol import NOT_SET

COLOUR_VARIABLES = ("NO_COLOR", "ANSI_COLORS_DISABLED", "FORCE_COLOR", "TERM")


class FakeAttribute:
    def __init__(self, name):
        self.name = name

    def get_value(self, entity):
        return entity.values.get(self.name, NOT_SET)


class FakeEntity:
    primary_key_attributes = ("id",)

    def __init__(self, entity_type, attribute_names, **values):
        self.entity_type = entity_type
        self.attributes = [FakeAttribute(name) for name in attribute_names]
        self.values = values

    def __getitem__(self, name):
        return self.values.get(name, NOT_SET)


class FakeCollection(list):
    """A collection of entities owned by *entity*."""

    def __init__(self, entity, items=()):
        super().__init__(items)
        self.entity = entity

    def __repr__(self):
        return "<Collection>"


# Attribute names deliberately unsorted: output lists them sorted.
ATTRIBUTES = ("parent", "name", "id", "children")


@pytest.fixture(autouse=True)
def plain_output(monkeypatch):
    """No colour unless a test asks for it."""
    for name in COLOUR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def tree():
    """A project with two tasks; the second task's parent is the first."""
    project = FakeEntity("Project", ATTRIBUTES, id="pid", name="p")
    first = FakeEntity("Task", ATTRIBUTES, id="t1", name="t1", parent=project)
    second = FakeEntity("Task", ATTRIBUTES, id="t2", name="t2", parent=first)
    project.values["children"] = FakeCollection(project, [first, second])
    first.values["children"] = FakeCollection(first)
    second.values["children"] = FakeCollection(second)
    return project, first, second


def test_layout_sorts_attributes_and_nests_entities(tree):
    _, first, _ = tree
    assert formatter.format(first) == (
        "Task\n"
        " children: <Collection>\n"
        " id: t1\n"
        " name: t1\n"
        " parent: Project\n"
        "          children: <Collection>\n"
        "          id: pid\n"
        "          name: p\n"
        "          parent: NOT_SET"
    )


def test_ignore_unset_filter_drops_only_not_set_values():
    entity = FakeEntity("Note", ("id", "content", "author", "sticky"), id="n", content=None)
    entity.values["sticky"] = False
    text = formatter.format(entity, attribute_filter=formatter.FILTER["ignore_unset"])
    assert text == "Note\n content: None\n id: n\n sticky: False"


def test_attribute_filter_receives_entity_name_and_value(tree):
    _, first, _ = tree
    seen = []

    def keep_names(entity, name, value):
        seen.append((entity.entity_type, name, value))
        return name == "name"

    assert formatter.format(first, attribute_filter=keep_names) == "Task\n name: t1"
    assert ("Task", "name", "t1") in seen
    assert ("Task", "parent", NOT_SET) not in seen


def test_recursive_formats_collection_items_and_stops_cycles(tree):
    project, _, _ = tree
    assert formatter.format(project, recursive=True) == (
        "Project\n"
        " children: Task\n"
        "            children: \n"
        "            id: t1\n"
        "            name: t1\n"
        "            parent: Project{...}\n"
        "           Task\n"
        "            children: \n"
        "            id: t2\n"
        "            name: t2\n"
        "            parent: Task\n"
        "                     children: \n"
        "                     id: t1\n"
        "                     name: t1\n"
        "                     parent: Project{...}\n"
        " id: pid\n"
        " name: p\n"
        " parent: NOT_SET"
    )


def test_entity_referencing_itself_is_shown_once():
    entity = FakeEntity("Task", ("id", "parent"), id="loop")
    entity.values["parent"] = entity
    assert formatter.format(entity) == "Task\n id: loop\n parent: Task{...}"


def test_indent_applies_to_every_line_and_optionally_the_first(tree):
    _, first, _ = tree
    only_name = {"attribute_filter": lambda entity, name, value: name in ("name", "parent")}
    expected_body = (
        "\n    name: t1\n    parent: Project\n             name: p\n             parent: NOT_SET"
    )
    assert formatter.format(first, indent=3, **only_name) == "   Task" + expected_body
    assert (
        formatter.format(first, indent=3, indent_first_line=False, **only_name)
        == "Task" + expected_body
    )


def test_seen_identities_are_recorded_and_honoured(tree):
    project, first, _ = tree
    seen = set()
    formatter.format(first, _seen=seen)
    assert seen == {"('Task', ['t1'])"}

    assert formatter.format(project, _seen={"('Project', ['pid'])"}) == "Project{...}"
    assert formatter.format(project, indent=2, _seen={"('Project', ['pid'])"}) == "  Project{...}"


def test_custom_formatters_replace_header_and_label(tree):
    _, first, _ = tree
    text = formatter.format(
        first,
        formatters={"header": lambda text: f"[{text}]", "label": str.upper},
        attribute_filter=lambda entity, name, value: name in ("name", "parent"),
    )
    assert text == (
        "[Task]\n NAME: t1\n PARENT: [Project]\n          NAME: p\n          PARENT: NOT_SET"
    )


def test_missing_formatters_fall_back_to_defaults(tree, monkeypatch):
    _, first, _ = tree
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    text = formatter.format(
        first,
        formatters={"label": str.upper},
        attribute_filter=lambda entity, name, value: name == "id",
    )
    assert text == "\x1b[1m\x1b[44m\x1b[97mTask\x1b[0m\x1b[0m\n ID: t1"


def test_plain_lists_and_mappings_are_not_expanded():
    entity = FakeEntity("Task", ("id", "link", "metadata"), id="t")
    entity.values["link"] = [{"id": "x", "name": "X"}]
    entity.values["metadata"] = {"key": "value"}
    assert formatter.format(entity, recursive=True) == (
        "Task\n id: t\n link: [{'id': 'x', 'name': 'X'}]\n metadata: {'key': 'value'}"
    )


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    ("environment", "terminal", "coloured"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"TERM": "xterm"}, True, True),
        ({"TERM": "dumb"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, False, True),
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, False, True),
        ({"NO_COLOR": ""}, True, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ({"ANSI_COLORS_DISABLED": "1"}, True, False),
        ({"ANSI_COLORS_DISABLED": "", "FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colours_follow_environment_and_terminal(monkeypatch, environment, terminal, coloured):
    monkeypatch.delenv("NO_COLOR")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", FakeTerminal() if terminal else io.StringIO())
    entity = FakeEntity("Task", ("name",), id="t", name="n")

    text = formatter.format(entity)

    if coloured:
        assert text == (
            "\x1b[1m\x1b[44m\x1b[97mTask\x1b[0m\x1b[0m\n \x1b[1m\x1b[34mname\x1b[0m\x1b[0m: n"
        )
    else:
        assert text == "Task\n name: n"


def test_no_stdout_means_no_colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys, "stdout", None)
    assert formatter.format(FakeEntity("Task", (), id="t")) == "Task"
