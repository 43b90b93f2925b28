"""Tests for ftrack_api._python_ntpath: Windows path rules on any platform."""

from __future__ import annotations

import ntpath

import pytest

import ftrack_api._python_ntpath as windows_path


def test_uses_windows_rules_whatever_the_platform():
    assert windows_path.sep == "\\"
    assert windows_path.altsep == "/"
    assert windows_path.join("C:\\projects", "shot", "file.exr") == "C:\\projects\\shot\\file.exr"
    assert windows_path.normpath("C:/projects/../shots/./a") == "C:\\shots\\a"
    assert windows_path.splitdrive("D:\\data\\x") == ("D:", "\\data\\x")
    assert windows_path.split("C:\\a\\b.txt") == ("C:\\a", "b.txt")
    assert windows_path.isabs("C:\\a")
    assert not windows_path.isabs("a\\b")


def test_exports_the_standard_ntpath_interface():
    for name in windows_path.__all__:
        assert hasattr(windows_path, name), name
    missing = [name for name in ntpath.__all__ if not hasattr(windows_path, name)]
    # Only names added by Python versions newer than 3.9 may be absent.
    assert set(missing) <= {"isjunction", "splitroot", "isreserved", "isdevdrive"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("\\\\server\\share\\dir\\file", ("\\\\server\\share", "\\dir\\file")),
        ("//server/share/dir", ("//server/share", "/dir")),
        ("\\\\server\\share", ("\\\\server\\share", "")),
        ("\\\\server", ("", "\\\\server")),
        ("C:\\dir", ("", "C:\\dir")),
        ("relative\\path", ("", "relative\\path")),
        ("", ("", "")),
    ],
)
def test_splitunc(path, expected):
    assert windows_path.splitunc(path) == expected
