"""Discovery of plugins: Python files exposing a ``register`` function.

The session discovers the directories of ``FTRACK_EVENT_PLUGIN_PATH`` (or its
``plugin_paths``) and calls each plugin's ``register(session, **plugin_arguments)``.
A faulty plugin is logged and skipped; discovery itself never fails.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import logging
import os
import sys
import uuid
from types import ModuleType
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

_logger = logging.getLogger(__name__ + ".discover")

_MISSING = object()

_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def load_source(modname: str, filename: str) -> ModuleType:
    """Import the Python file *filename* as a module named *modname* and return it.

    The module is only present in ``sys.modules`` while its code runs (some
    libraries, dataclasses for one, look themselves up there), so loading
    plugins leaves no trace in ``sys.modules``.
    """
    loader = importlib.machinery.SourceFileLoader(modname, filename)
    spec = importlib.util.spec_from_file_location(modname, filename, loader=loader)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(modname, _MISSING)
    sys.modules[modname] = module
    try:
        loader.exec_module(module)
    finally:
        if previous is _MISSING:
            sys.modules.pop(modname, None)
        else:
            sys.modules[modname] = previous
    return module


def discover(
    paths: Iterable[str],
    positional_arguments: Optional[Sequence[Any]] = None,
    keyword_arguments: Optional[Mapping[str, Any]] = None,
) -> None:
    """Load the plugins found under *paths* and register them.

    Each directory of *paths* is walked recursively, in sorted order; every
    ``*.py`` file is imported under a unique module name and its ``register``
    function called with *positional_arguments* and *keyword_arguments*. Keyword
    arguments that ``register`` does not accept are dropped (with a warning), so
    plugins written as ``register(session)`` keep working. Paths that are not
    directories are skipped. A plugin that fails to import, has no ``register``,
    cannot take the arguments or raises from ``register`` is logged and skipped.
    """
    if isinstance(paths, str):
        paths = [paths]
    arguments = list(positional_arguments or ())
    keywords = dict(keyword_arguments or {})

    for path in paths:
        for plugin_path in _python_files(path):
            _load_and_register(plugin_path, arguments, keywords)


def _python_files(path: str) -> Iterator[str]:
    if not os.path.isdir(path):
        _logger.debug("Skipping plugin path that is not a directory: %s", path)
        return
    for directory, subdirectories, filenames in os.walk(path):
        subdirectories.sort()
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                yield os.path.join(directory, filename)


def _load_and_register(plugin_path: str, arguments: list, keywords: dict) -> None:
    try:
        module = load_source(uuid.uuid4().hex, plugin_path)
    except Exception as error:
        _logger.warning('Failed to load plugin from "%s": %s', plugin_path, error)
        _logger.debug("Plugin %s failed to import.", plugin_path, exc_info=True)
        return

    register = getattr(module, "register", None)
    if not callable(register):
        _logger.warning(
            'Failed to load plugin that did not define a "register" function at the '
            "module level: %s",
            plugin_path,
        )
        return

    keywords = _accepted_keywords(register, arguments, keywords, plugin_path)
    if keywords is None:
        return

    try:
        register(*arguments, **keywords)
    except Exception as error:
        _logger.warning('Failed to register plugin from "%s": %s', plugin_path, error)
        _logger.debug("Plugin %s failed to register.", plugin_path, exc_info=True)
        return
    _logger.debug("Registered plugin %s.", plugin_path)


def _accepted_keywords(
    register: Any, arguments: list, keywords: dict, plugin_path: str
) -> Optional[dict]:
    """Return the keyword arguments to call *register* with (None: it cannot be called).

    Decided from the signature, before calling, so a TypeError raised inside a
    plugin is never mistaken for a signature mismatch.
    """
    try:
        signature = inspect.signature(register)
    except (TypeError, ValueError):  # not introspectable (some builtins): call as is
        return keywords

    parameters = signature.parameters.values()
    if not any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters):
        names = {parameter.name for parameter in parameters if parameter.kind in _KEYWORD_KINDS}
        dropped = sorted(name for name in keywords if name not in names)
        if dropped:
            _logger.warning(
                "Culling passed arguments to match register function signature. "
                'Plugin "%s" does not accept: %s',
                plugin_path,
                ", ".join(dropped),
            )
            keywords = {name: value for name, value in keywords.items() if name in names}

    try:
        signature.bind(*arguments, **keywords)
    except TypeError as error:
        _logger.warning(
            'Failed to register plugin from "%s": register%s cannot be called with the '
            "discovery arguments: %s",
            plugin_path,
            signature,
            error,
        )
        return None
    return keywords
