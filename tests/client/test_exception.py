"""Tests for ftrack_api.exception."""

from __future__ import annotations

import builtins
import copy
import inspect
import pickle

import pytest

import ftrack_api.exception as exception
from ftrack_api.symbol import CREATED, NOT_SET

ERROR_CLASSES = sorted(
    (
        value
        for value in vars(exception).values()
        if inspect.isclass(value)
        and issubclass(value, exception.Error)
        and value.__module__ == exception.__name__
    ),
    key=lambda cls: cls.__name__,
)


def _required_parameters(cls):
    return [
        parameter
        for parameter in inspect.signature(cls).parameters.values()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]


class Named:
    """Stands in for an attribute, an entity or a component."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return f"str:{self.name}"

    def __repr__(self):
        return f"<{self.name}>"


# (class name, base class name, default message) for every error of the client.
HIERARCHY = [
    ("Error", "Exception", "Unspecified error occurred."),
    ("AuthenticationError", "Error", "Authentication error."),
    ("ServerError", "Error", "Server reported error processing request."),
    ("ServerCompatibilityError", "ServerError", "Server incompatible."),
    ("NotFoundError", "Error", "Not found."),
    ("NotUniqueError", "Error", "Non-unique value detected."),
    ("IncorrectResultError", "Error", "Incorrect result detected."),
    ("NoResultFoundError", "IncorrectResultError", "Expected result, but no result was found."),
    (
        "MultipleResultsFoundError",
        "IncorrectResultError",
        "Expected single result, but received multiple results.",
    ),
    ("EntityTypeError", "Error", "Entity type error."),
    (
        "UnrecognisedEntityTypeError",
        "EntityTypeError",
        'Entity type "{entity_type}" not recognised.',
    ),
    ("OperationError", "Error", "Operation error."),
    ("InvalidStateError", "Error", "Invalid state."),
    (
        "InvalidStateTransitionError",
        "InvalidStateError",
        "Invalid transition from {current_state!r} to {target_state!r} state for entity "
        "{entity!r}",
    ),
    ("AttributeError", "Error", "Attribute error."),
    (
        "ImmutableAttributeError",
        "AttributeError",
        "Cannot modify value of immutable {attribute.name!r} attribute.",
    ),
    ("CollectionError", "Error", "Collection error."),
    (
        "ImmutableCollectionError",
        "CollectionError",
        "Cannot modify value of immutable collection {collection!r}.",
    ),
    (
        "DuplicateItemInCollectionError",
        "CollectionError",
        "Item {item!r} already exists in collection {collection!r}.",
    ),
    ("ParseError", "Error", "Failed to parse."),
    ("EventHubError", "Error", "Event hub error occurred."),
    ("EventHubConnectionError", "EventHubError", "Event hub is not connected."),
    ("EventHubPacketError", "EventHubError", "Invalid packet."),
    ("PermissionDeniedError", "Error", "Permission denied."),
    ("LocationError", "Error", "Unspecified location error"),
    (
        "ComponentNotInAnyLocationError",
        "LocationError",
        "Component not available in any location.",
    ),
    (
        "ComponentNotInLocationError",
        "LocationError",
        "Component(s) {formatted_components} not found in location {location}.",
    ),
    (
        "ComponentInLocationError",
        "LocationError",
        "Component(s) {formatted_components} already exist in location {location}.",
    ),
    ("AccessorError", "Error", "Unspecified accessor error"),
    (
        "AccessorOperationFailedError",
        "AccessorError",
        "Operation {operation} failed: {error}",
    ),
    (
        "AccessorUnsupportedOperationError",
        "AccessorOperationFailedError",
        "Operation {operation} unsupported.",
    ),
    (
        "AccessorPermissionDeniedError",
        "AccessorOperationFailedError",
        "Cannot {operation} {resource_identifier}. Permission denied.",
    ),
    (
        "AccessorResourceIdentifierError",
        "AccessorError",
        "Resource identifier is invalid: {resource_identifier}.",
    ),
    (
        "AccessorFilesystemPathError",
        "AccessorResourceIdentifierError",
        "Could not determine filesystem path from resource identifier: {resource_identifier}.",
    ),
    (
        "AccessorResourceError",
        "AccessorError",
        "Unspecified resource error: {resource_identifier}",
    ),
    (
        "AccessorResourceNotFoundError",
        "AccessorResourceError",
        "Resource not found: {resource_identifier}",
    ),
    (
        "AccessorParentResourceNotFoundError",
        "AccessorResourceError",
        "Parent resource is missing: {resource_identifier}",
    ),
    (
        "AccessorResourceInvalidError",
        "AccessorResourceError",
        "Resource invalid: {resource_identifier}",
    ),
    (
        "AccessorContainerNotEmptyError",
        "AccessorResourceError",
        "Container is not empty: {resource_identifier}",
    ),
    ("StructureError", "Error", "Unspecified structure error"),
    ("ConnectionClosedError", "Error", "Connection closed."),
]


def test_hierarchy_covers_every_error_class():
    assert sorted(name for name, _, _ in HIERARCHY) == [cls.__name__ for cls in ERROR_CLASSES]


@pytest.mark.parametrize(("name", "base", "default_message"), HIERARCHY)
def test_class_base_and_default_message(name, base, default_message):
    cls = getattr(exception, name)
    assert [klass.__name__ for klass in cls.__bases__] == [base]
    assert cls.default_message == default_message


@pytest.mark.parametrize(
    "cls", [cls for cls in ERROR_CLASSES if not _required_parameters(cls)], ids=str
)
def test_error_without_arguments_uses_default_message(cls):
    error = cls()
    assert error.message == cls.default_message
    if "{" not in cls.default_message:
        assert str(error) == cls.default_message


def test_attribute_error_shadows_the_builtin():
    assert exception.AttributeError is not builtins.AttributeError
    assert not issubclass(exception.AttributeError, builtins.AttributeError)
    assert issubclass(exception.ImmutableAttributeError, exception.Error)


def test_error_keeps_message_details_and_formats_on_str():
    details = {"name": "bob"}
    error = exception.Error("hello {name}", details=details)
    assert error.message == "hello {name}"
    assert error.details is details
    assert str(error) == "hello bob"
    details["name"] = "alice"
    assert str(error) == "hello alice"


def test_error_details_default_to_a_fresh_dict():
    first, second = exception.Error(), exception.Error()
    first.details["x"] = 1
    assert second.details == {}


def test_error_args_are_the_positional_constructor_arguments():
    assert exception.Error("message").args == ("message",)
    assert exception.Error(details={"a": 1}).args == ()
    assert exception.AccessorOperationFailedError("read", "/x").args == ("read", "/x")


@pytest.mark.parametrize(
    "content",
    [
        'Server reported error: ValidationError({"field": "name"})',
        "Unbalanced { brace",
        "Positional {} and {0}",
        "Spec {a:>bad}",
    ],
)
def test_message_with_literal_braces_is_shown_as_is(content):
    error = exception.ServerError(content)
    assert str(error) == content


def test_missing_detail_falls_back_to_raw_message():
    assert str(exception.Error("hi {who}", details={"other": 1})) == "hi {who}"


def test_non_string_message_is_rendered_with_str():
    assert str(exception.Error(42)) == "42"


def test_traceback_records_the_exception_being_handled():
    assert "NoneType: None" in exception.Error().traceback
    try:
        raise ValueError("inner problem")
    except ValueError:
        error = exception.Error("outer")
    assert "ValueError: inner problem" in error.traceback
    assert error.traceback.startswith("Traceback (most recent call last):")


def test_errors_are_raised_and_caught_through_the_hierarchy():
    with pytest.raises(exception.IncorrectResultError) as caught:
        raise exception.NoResultFoundError()
    assert str(caught.value) == "Expected result, but no result was found."
    with pytest.raises(exception.AccessorError):
        raise exception.AccessorResourceNotFoundError(resource_identifier="a/b")


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (
            lambda: exception.AccessorOperationFailedError("read", "a/b", ValueError("boom")),
            "Operation read failed: boom",
        ),
        (
            lambda: exception.AccessorOperationFailedError(operation=None),
            "Operation None failed: None",
        ),
        (
            lambda: exception.AccessorUnsupportedOperationError("list"),
            "Operation list unsupported.",
        ),
        (
            lambda: exception.AccessorPermissionDeniedError(
                operation="write", resource_identifier="/x"
            ),
            "Cannot write /x. Permission denied.",
        ),
        (
            lambda: exception.AccessorResourceNotFoundError(resource_identifier="/x"),
            "Resource not found: /x",
        ),
        (
            lambda: exception.AccessorParentResourceNotFoundError(resource_identifier=7),
            "Parent resource is missing: 7",
        ),
        (
            lambda: exception.AccessorResourceInvalidError(resource_identifier="/x"),
            "Resource invalid: /x",
        ),
        (
            lambda: exception.AccessorContainerNotEmptyError(resource_identifier="/x"),
            "Container is not empty: /x",
        ),
        (lambda: exception.AccessorResourceError(), "Unspecified resource error: None"),
        (
            lambda: exception.AccessorResourceIdentifierError("a b"),
            "Resource identifier is invalid: a b.",
        ),
        (
            lambda: exception.AccessorFilesystemPathError("x"),
            "Could not determine filesystem path from resource identifier: x.",
        ),
        (lambda: exception.CollectionError([1, 2]), "Collection error."),
        (
            lambda: exception.ImmutableCollectionError([1, 2]),
            "Cannot modify value of immutable collection [1, 2].",
        ),
        (
            lambda: exception.DuplicateItemInCollectionError("i", ["i"]),
            "Item 'i' already exists in collection ['i'].",
        ),
        (
            lambda: exception.UnrecognisedEntityTypeError("Foo"),
            'Entity type "Foo" not recognised.',
        ),
        (
            lambda: exception.ImmutableAttributeError(Named("id")),
            "Cannot modify value of immutable 'id' attribute.",
        ),
        (
            lambda: exception.InvalidStateTransitionError(CREATED, NOT_SET, Named("Task")),
            "Invalid transition from Symbol(CREATED) to Symbol(NOT_SET) state for entity <Task>",
        ),
        (
            lambda: exception.ComponentInLocationError([Named("a"), Named("b")], Named("loc")),
            "Component(s) str:a, str:b already exist in location str:loc.",
        ),
        (
            lambda: exception.ComponentNotInLocationError(("c1", "c2"), "disk"),
            "Component(s) c1, c2 not found in location disk.",
        ),
        (
            lambda: exception.ComponentNotInLocationError(["é"], "lieu"),
            "Component(s) é not found in location lieu.",
        ),
    ],
)
def test_special_constructors_render_their_details(factory, expected):
    assert str(factory()) == expected


def test_accessor_details():
    error = exception.AccessorOperationFailedError("read", "a/b", "boom")
    assert error.details == {"operation": "read", "resource_identifier": "a/b", "error": "boom"}
    resource_error = exception.AccessorResourceError("read", "a/b", "boom")
    assert resource_error.details == {"operation": "read", "resource_identifier": "a/b"}
    assert exception.AccessorResourceIdentifierError("x").details == {"resource_identifier": "x"}


def test_component_errors_record_formatted_components():
    error = exception.ComponentNotInLocationError(["a", "b"], "loc")
    assert error.details == {
        "components": ["a", "b"],
        "formatted_components": "a, b",
        "location": "loc",
    }


def test_component_errors_keep_the_items_of_a_one_shot_iterator():
    error = exception.ComponentInLocationError((name for name in ["a", "b"]), "loc")
    assert error.details["components"] == ["a", "b"]
    assert str(error) == "Component(s) a, b already exist in location loc."


def test_special_constructors_merge_details_without_mutating_the_callers_dict():
    extra = {"extra": 1, "operation": "overridden"}
    error = exception.AccessorOperationFailedError(operation="read", details=extra)
    assert error.details == {
        "extra": 1,
        "operation": "read",
        "resource_identifier": None,
        "error": None,
    }
    assert extra == {"extra": 1, "operation": "overridden"}


def test_special_constructors_accept_a_custom_message():
    error = exception.UnrecognisedEntityTypeError("Foo", message="No {entity_type} here")
    assert str(error) == "No Foo here"
    error = exception.ComponentNotInLocationError(["c"], "loc", message="gone")
    assert str(error) == "gone"


def test_unknown_keyword_is_rejected():
    with pytest.raises(TypeError):
        exception.AccessorResourceError(unknown=1)


@pytest.mark.parametrize(
    "error",
    [
        exception.Error("plain {x}", {"x": 1}),
        exception.ImmutableAttributeError(attribute=Named("name")),
        exception.AccessorResourceNotFoundError(resource_identifier="/x"),
        exception.UnrecognisedEntityTypeError(entity_type="Foo"),
        exception.DuplicateItemInCollectionError("i", ["i"]),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_survive_pickle_and_copy(error):
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.args == error.args
        assert clone.message == error.message
        assert clone.traceback == error.traceback
