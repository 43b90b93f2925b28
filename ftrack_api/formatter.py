"""Human readable, indented text for an entity and its attributes.

Example output (``format(task, attribute_filter=FILTER['ignore_unset'])``)::

    Task
     id: 7c4a...
     name: Compositing
     parent: Project
              id: 5671...
              name: my_project

Attributes are listed sorted by name. A nested entity is formatted in full under
its label; an entity already being formatted higher up the same branch is shown as
``Header{...}``. With ``recursive=True`` the entities of collections are formatted
too; otherwise a collection shows as its ``str()``.

Duck typing (the functions here do not depend on the entity classes):

* an *entity* is any object with an ``entity_type`` attribute; it also provides
  ``attributes`` (objects with ``name`` and ``get_value(entity)``) and what
  :func:`ftrack_api.inspection.identity` needs;
* a *collection* of entities is a mutable sequence with an ``entity`` attribute
  (its owner), as :class:`ftrack_api.collection.Collection` is. Plain lists and
  mapped collections (custom attributes, metadata) show as their ``str()``.

Headers and labels are coloured with ANSI codes when the output is a terminal,
following the usual conventions: ``ANSI_COLORS_DISABLED`` or ``NO_COLOR`` (set to
anything) turn colours off, ``FORCE_COLOR`` turns them on, ``TERM=dumb`` or a
standard output that is not a terminal turn them off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableSequence
from typing import Any, Callable, Dict, Mapping, Optional, Set

import ftrack_api.inspection
from ftrack_api.symbol import NOT_SET

_RESET = "\x1b[0m"


def _ansi(text: str, *codes: str) -> str:
    return "".join(f"\x1b[{code}m" for code in codes) + text + _RESET


def _colour_header(text: str) -> str:
    """Bold bright white on blue."""
    return _ansi(_ansi(text, "44", "97"), "1")


def _colour_label(text: str) -> str:
    """Bold blue."""
    return _ansi(_ansi(text, "34"), "1")


def _plain(text: str) -> str:
    return text


def _colours_enabled() -> bool:
    environment = os.environ
    if "ANSI_COLORS_DISABLED" in environment or "NO_COLOR" in environment:
        return False
    if "FORCE_COLOR" in environment:
        return True
    if environment.get("TERM") == "dumb":
        return False
    stdout = sys.stdout
    try:
        return stdout is not None and stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def _default_formatters() -> Dict[str, Callable[[str], str]]:
    if _colours_enabled():
        return {"header": _colour_header, "label": _colour_label}
    return {"header": _plain, "label": _plain}


def _ignore_unset(entity: Any, name: str, value: Any) -> bool:
    """Keep attributes that have a value (anything but ``NOT_SET``, even ``None``)."""
    return value is not NOT_SET


#: Ready-made attribute filters for :func:`format`.
FILTER = {"ignore_unset": _ignore_unset}


def _is_entity(value: Any) -> bool:
    return hasattr(value, "entity_type")


def _is_collection(value: Any) -> bool:
    return isinstance(value, MutableSequence) and hasattr(value, "entity")


def format(
    entity: Any,
    formatters: Optional[Mapping[str, Callable[[str], str]]] = None,
    attribute_filter: Optional[Callable[[Any, str, Any], bool]] = None,
    recursive: bool = False,
    indent: int = 0,
    indent_first_line: bool = True,
    _seen: Optional[Set[str]] = None,
) -> str:
    """Return *entity* as indented text, one attribute per line.

    *formatters* maps ``'header'`` (applied to the entity type) and ``'label'``
    (applied to attribute names) to callables returning text; missing keys use
    the defaults (coloured on a terminal). *attribute_filter* is called as
    ``attribute_filter(entity, name, value)`` and an attribute is skipped when it
    returns false; see :data:`FILTER`. *recursive* also formats the entities in
    collections. Every line is indented by *indent* spaces, the first one only
    when *indent_first_line* is true. *_seen* holds the identities (as text) of
    the entities being formatted up the current branch, to stop cycles.
    """
    resolved = _default_formatters()
    if formatters:
        resolved.update(formatters)
    if _seen is None:
        _seen = set()

    first_indent = " " * indent if indent_first_line else ""
    header = resolved["header"](entity.entity_type)
    identity = str(ftrack_api.inspection.identity(entity))
    if identity in _seen:
        return first_indent + header + "{...}"
    _seen.add(identity)

    lines = [first_indent + header]
    attribute_indent = " " * (indent + 1)
    for attribute in sorted(entity.attributes, key=_attribute_name):
        name = attribute.name
        value = attribute.get_value(entity)
        if attribute_filter is not None and not attribute_filter(entity, name, value):
            continue

        # Nested values line up after "<indent> name: ".
        value_indent = indent + len(name) + 3
        if _is_entity(value):
            text = format(
                value, resolved, attribute_filter, recursive, value_indent, False, set(_seen)
            )
        elif recursive and _is_collection(value):
            text = "\n".join(
                _format_item(item, resolved, attribute_filter, value_indent, index > 0, _seen)
                for index, item in enumerate(value)
            )
        else:
            text = str(value)
        lines.append(f"{attribute_indent}{resolved['label'](name)}: {text}")

    return "\n".join(lines)


def _attribute_name(attribute: Any) -> str:
    return attribute.name


def _format_item(
    item: Any,
    formatters: Mapping[str, Callable[[str], str]],
    attribute_filter: Optional[Callable[[Any, str, Any], bool]],
    indent: int,
    indent_first_line: bool,
    seen: Set[str],
) -> str:
    if _is_entity(item):
        return format(
            item, formatters, attribute_filter, True, indent, indent_first_line, set(seen)
        )
    return (" " * indent if indent_first_line else "") + str(item)
