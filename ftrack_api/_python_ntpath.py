"""Windows path functions, whatever the platform the client runs on.

Resource identifiers of Windows disk locations are handled with these functions
even on Linux or macOS (``ftrack_api.accessor.disk.ntpath``). They are the
standard library's :mod:`ntpath`, re-exported, plus :func:`splitunc` which older
code still calls.
"""

from __future__ import annotations

from ntpath import (
    abspath,
    altsep,
    basename,
    commonpath,
    commonprefix,
    curdir,
    defpath,
    devnull,
    dirname,
    exists,
    expanduser,
    expandvars,
    extsep,
    getatime,
    getctime,
    getmtime,
    getsize,
    isabs,
    isdir,
    isfile,
    islink,
    ismount,
    join,
    lexists,
    normcase,
    normpath,
    pardir,
    pathsep,
    realpath,
    relpath,
    samefile,
    sameopenfile,
    samestat,
    sep,
    split,
    splitdrive,
    splitext,
    supports_unicode_filenames,
)
from typing import Tuple

__all__ = [
    "abspath",
    "altsep",
    "basename",
    "commonpath",
    "commonprefix",
    "curdir",
    "defpath",
    "devnull",
    "dirname",
    "exists",
    "expanduser",
    "expandvars",
    "extsep",
    "getatime",
    "getctime",
    "getmtime",
    "getsize",
    "isabs",
    "isdir",
    "isfile",
    "islink",
    "ismount",
    "join",
    "lexists",
    "normcase",
    "normpath",
    "pardir",
    "pathsep",
    "realpath",
    "relpath",
    "samefile",
    "sameopenfile",
    "samestat",
    "sep",
    "split",
    "splitdrive",
    "splitext",
    "splitunc",
    "supports_unicode_filenames",
]


def splitunc(path: str) -> Tuple[str, str]:
    """Split *path* into ``(unc_mount, rest)``; ``('', path)`` when it is not a UNC path.

    ``splitunc(r'\\\\server\\share\\dir')`` is ``(r'\\\\server\\share', r'\\dir')``.
    """
    drive, rest = splitdrive(path)
    separators = ("\\", "/")
    is_unc = drive[:1] in separators and drive[1:2] in separators
    # A UNC mount names a server and a share: a bare "\\\\server" is not one.
    if is_unc and any(separator in drive[2:] for separator in separators):
        return drive, rest
    return "", path
