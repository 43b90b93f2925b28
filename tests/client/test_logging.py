"""Tests for ftrack_api.logging."""

from __future__ import annotations

import logging
import warnings

import pytest

from ftrack_api.logging import LazyLogMessage, deprecation_warning


class CountingValue:
    """A value that counts how often it is formatted."""

    def __init__(self):
        self.formatted = 0

    def __format__(self, spec):
        self.formatted += 1
        return "value"


def test_lazy_message_formats_with_positional_and_keyword_arguments():
    message = LazyLogMessage("{0} of {total} ({ratio:.0%})", 3, total=4, ratio=0.75)
    assert message.message == "{0} of {total} ({ratio:.0%})"
    assert message.args == (3,)
    assert message.kwargs == {"total": 4, "ratio": 0.75}
    assert str(message) == "3 of 4 (75%)"


def test_lazy_message_is_not_formatted_when_the_level_is_disabled(caplog):
    value = CountingValue()
    logger = logging.getLogger("tests.lazy")
    with caplog.at_level(logging.INFO, logger="tests.lazy"):
        logger.debug(LazyLogMessage("skipped {0}", value))
        assert value.formatted == 0
        logger.info(LazyLogMessage("emitted {0}", value))
    assert value.formatted >= 1  # once per handler that renders the record
    assert caplog.messages == ["emitted value"]


def test_lazy_message_formats_again_after_arguments_change():
    values = {"name": "a"}
    message = LazyLogMessage("{name}", **values)
    assert str(message) == "a"
    message.kwargs["name"] = "b"
    assert str(message) == "b"


def test_deprecated_function_warns_on_each_call_and_returns_its_result():
    @deprecation_warning("use add_v2 instead")
    def add(a, b=2):
        """Add numbers."""
        return a + b

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert add(1, b=5) == 6
        assert add(1) == 3

    assert [type(warning.message) for warning in caught] == [PendingDeprecationWarning] * 2
    assert [str(warning.message) for warning in caught] == ["use add_v2 instead"] * 2


def test_deprecation_warning_points_at_the_caller():
    @deprecation_warning("old")
    def old():
        return None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old()
    assert caught[0].filename == __file__


def test_decorating_does_not_warn_and_keeps_metadata():
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @deprecation_warning("old")
        def documented(value):
            """Documentation."""
            return value

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Documentation."
    assert documented.__wrapped__(1) == 1


def test_deprecated_method_receives_self():
    class Thing:
        @deprecation_warning("method is old")
        def name(self):
            return "thing"

    with pytest.warns(PendingDeprecationWarning, match="method is old"):
        assert Thing().name() == "thing"
