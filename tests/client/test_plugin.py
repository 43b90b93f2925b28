"""Tests for ftrack_api.plugin.

Plugins are written into ``tmp_path``. Each one records its registration in a
list passed as the positional argument (where the session would pass itself).
"""

from __future__ import annotations

import logging
import sys
import textwrap

import pytest

import ftrack_api.plugin as plugin

LOGGER = "ftrack_api.plugin.discover"


def write_plugin(directory, relative_path, source):
    path = directory.joinpath(relative_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def recording_plugin(label):
    return f"""
        def register(calls, **kw):
            calls.append(({label!r}, kw))
    """


@pytest.fixture
def calls():
    return []


def test_discovers_nested_directories_in_sorted_order(tmp_path, calls):
    write_plugin(tmp_path, "b.py", recording_plugin("b"))
    write_plugin(tmp_path, "a.py", recording_plugin("a"))
    write_plugin(tmp_path, "sub/z/deep.py", recording_plugin("deep"))
    write_plugin(tmp_path, "sub/c.py", recording_plugin("c"))
    write_plugin(tmp_path, "sub/readme.txt", "not python")
    write_plugin(tmp_path, "a.py.bak", "raise SystemExit")

    plugin.discover([str(tmp_path)], [calls], {"extra": 1})

    assert [label for label, _ in calls] == ["a", "b", "c", "deep"]
    assert all(keywords == {"extra": 1} for _, keywords in calls)


def test_paths_are_processed_in_the_given_order(tmp_path, calls):
    write_plugin(tmp_path, "first/p.py", recording_plugin("first"))
    write_plugin(tmp_path, "second/p.py", recording_plugin("second"))
    plugin.discover([str(tmp_path / "second"), str(tmp_path / "first")], [calls])
    assert [label for label, _ in calls] == ["second", "first"]


def test_missing_paths_and_files_are_skipped(tmp_path, calls):
    path = write_plugin(tmp_path, "real/p.py", recording_plugin("real"))
    plugin.discover([str(tmp_path / "missing"), str(path), str(tmp_path / "real")], [calls])
    assert calls == [("real", {})]


def test_a_single_path_string_is_one_path(tmp_path, calls):
    write_plugin(tmp_path, "p.py", recording_plugin("p"))
    plugin.discover(str(tmp_path), [calls])
    assert calls == [("p", {})]


def test_arguments_default_to_nothing(tmp_path):
    write_plugin(
        tmp_path,
        "p.py",
        """
        def register(*args, **kw):
            with open(__file__ + '.out', 'w') as handle:
                handle.write(repr((args, kw)))
        """,
    )
    plugin.discover([str(tmp_path)])
    assert (tmp_path / "p.py.out").read_text() == "((), {})"


def test_broken_plugins_are_logged_and_skipped(tmp_path, calls, caplog):
    write_plugin(tmp_path, "1_import_error.py", "raise RuntimeError('broken at import')")
    write_plugin(tmp_path, "2_syntax_error.py", "def (:")
    write_plugin(tmp_path, "3_no_register.py", "VALUE = 1")
    write_plugin(tmp_path, "4_not_callable.py", "register = 5")
    write_plugin(
        tmp_path,
        "5_register_raises.py",
        """
        def register(calls, **kw):
            calls.append('raising')
            raise ValueError('register failed')
        """,
    )
    write_plugin(tmp_path, "6_good.py", recording_plugin("good"))

    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        plugin.discover([str(tmp_path)], [calls])

    assert calls == ["raising", ("good", {})]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 5
    assert "1_import_error.py" in warnings[0] and "broken at import" in warnings[0]
    assert "2_syntax_error.py" in warnings[1]
    assert 'did not define a "register" function' in warnings[2]
    assert "3_no_register.py" in warnings[2]
    assert "4_not_callable.py" in warnings[3]
    assert "5_register_raises.py" in warnings[4] and "register failed" in warnings[4]
    assert all(record.name == LOGGER for record in caplog.records)
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert {record.levelname for record in tracebacks} == {"DEBUG"}


def test_register_without_keyword_arguments_gets_positionals_only(tmp_path, calls, caplog):
    write_plugin(
        tmp_path,
        "p.py",
        """
        def register(calls):
            calls.append('positional only')
        """,
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        plugin.discover([str(tmp_path)], [calls], {"extra": 1, "other": 2})

    assert calls == ["positional only"]
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert message.startswith("Culling passed arguments to match register function signature.")
    assert "extra, other" in message


def test_named_and_keyword_only_parameters_receive_their_values(tmp_path, calls, caplog):
    write_plugin(
        tmp_path,
        "named.py",
        """
        def register(calls, extra=None):
            calls.append(('named', extra))
        """,
    )
    write_plugin(
        tmp_path,
        "only.py",
        """
        def register(calls, *, other=None):
            calls.append(('keyword only', other))
        """,
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        plugin.discover([str(tmp_path)], [calls], {"extra": 1, "other": 2})

    assert calls == [("named", 1), ("keyword only", 2)]
    assert [record.getMessage()[:7] for record in caplog.records] == ["Culling", "Culling"]


def test_register_that_cannot_take_the_positionals_is_not_called(tmp_path, calls, caplog):
    write_plugin(
        tmp_path,
        "p.py",
        """
        def register():
            open(__file__ + '.called', 'w').close()
        """,
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        plugin.discover([str(tmp_path)], [calls])

    assert not (tmp_path / "p.py.called").exists()
    assert "cannot be called with the discovery arguments" in caplog.text


def test_type_error_inside_register_is_not_taken_for_a_signature_problem(tmp_path, caplog):
    write_plugin(
        tmp_path,
        "p.py",
        """
        def register(calls, **kw):
            calls.append('called')
            raise TypeError('bug inside the plugin')
        """,
    )
    calls = []
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        plugin.discover([str(tmp_path)], [calls], {"extra": 1})

    assert calls == ["called"]
    assert "bug inside the plugin" in caplog.text
    assert "Culling" not in caplog.text


def test_plugins_are_isolated_and_leave_sys_modules_alone(tmp_path, calls):
    for directory in ("one", "two"):
        write_plugin(
            tmp_path,
            f"{directory}/same_name.py",
            f"""
            import sys
            LABEL = {directory!r}
            def register(calls, **kw):
                calls.append((LABEL, __name__, __name__ in sys.modules))
            """,
        )
    modules_before = set(sys.modules)

    plugin.discover([str(tmp_path / "one"), str(tmp_path / "two")], [calls])

    assert [label for label, _, _ in calls] == ["one", "two"]
    names = [name for _, name, _ in calls]
    assert len(set(names)) == 2
    assert "same_name" not in names
    assert not any(registered for _, _, registered in calls)
    assert set(sys.modules) == modules_before


def test_plugin_defining_a_dataclass_with_postponed_annotations_loads(tmp_path, calls):
    write_plugin(
        tmp_path,
        "p.py",
        """
        from __future__ import annotations
        import dataclasses
        import typing

        @dataclasses.dataclass
        class Settings:
            names: typing.ClassVar[list] = []
            level: int = 1

        def register(calls, **kw):
            calls.append(Settings().level)
        """,
    )
    plugin.discover([str(tmp_path)], [calls])
    assert calls == [1]


def test_load_source_returns_the_module_without_registering_it(tmp_path):
    path = write_plugin(tmp_path, "source.py", "VALUE = 42\nNAME = __name__\n")
    module = plugin.load_source("custom_module_name", str(path))
    assert module.VALUE == 42
    assert module.NAME == module.__name__ == "custom_module_name"
    assert module.__file__ == str(path)
    assert "custom_module_name" not in sys.modules


def test_load_source_restores_a_module_it_shadowed(tmp_path):
    path = write_plugin(tmp_path, "source.py", "VALUE = 1\n")
    module = plugin.load_source("json", str(path))
    assert module.VALUE == 1
    assert hasattr(sys.modules["json"], "dumps")


def test_load_source_of_a_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        plugin.load_source("missing", str(tmp_path / "missing.py"))
