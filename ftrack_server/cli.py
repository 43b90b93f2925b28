"""``ftrack-server``: serve a local site, manage its users, reset it."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import List, Optional

DEFAULT_DB = "ftrack-local.sqlite"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ftrack-server",
        description="A local ftrack-compatible server for development and tests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve a site over HTTP")
    serve.add_argument(
        "--db", default=DEFAULT_DB, help="database file, :memory: or a SQLAlchemy URL"
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--user", default="admin", help="user whose credentials are printed")
    serve.add_argument(
        "--api-key",
        default=os.environ.get("FTRACK_LOCAL_API_KEY"),
        help="make this key valid for --user (default: issue a new key)",
    )
    serve.add_argument(
        "--data-dir",
        default=None,
        help="where component files are stored (default: <db>.files next to a database "
        "file; a temporary directory for :memory: and database URLs)",
    )
    serve.add_argument("--log-level", default="info")

    create_user = commands.add_parser("create-user", help="create a user and print its API key")
    create_user.add_argument("username")
    create_user.add_argument("--db", default=DEFAULT_DB)
    create_user.add_argument("--first-name", default="")
    create_user.add_argument("--last-name", default="")
    create_user.add_argument("--email", default="")

    commands.add_parser("demo", help="run a short demo against a throwaway site")

    reset = commands.add_parser("reset", help="delete a site's database and start afresh")
    reset.add_argument("--db", default=DEFAULT_DB)
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    arguments = _parser().parse_args(argv)
    handler = {
        "serve": _serve,
        "create-user": _create_user,
        "reset": _reset,
        "demo": _demo,
    }[arguments.command]
    return handler(arguments)


def _serve(arguments: argparse.Namespace) -> int:
    from ftrack_server.runner import serve
    from ftrack_server.server import LocalServer

    data_dir = arguments.data_dir or default_data_dir(arguments.db)
    server = LocalServer(arguments.db, admin_username=arguments.user, data_dir=data_dir)
    if arguments.api_key:
        server.ensure_api_key(arguments.user, arguments.api_key)
        api_key = arguments.api_key
    elif server.admin_api_key and server.admin_username == arguments.user:
        api_key = server.admin_api_key
    else:
        api_key = server.issue_api_key(arguments.user)
    host = f"[{arguments.host}]" if ":" in arguments.host else arguments.host
    url = f"http://{host}:{arguments.port}"
    print(f"ftrack server for {arguments.db} on {url}")
    print(f"  FTRACK_SERVER={url}")
    print(f"  FTRACK_API_USER={arguments.user}")
    print(f"  FTRACK_API_KEY={api_key}")
    if data_dir:
        print(f"  component files in {data_dir}")
    else:
        print(f"  component files in {server.files.root} (temporary; use --data-dir to keep)")
    sys.stdout.flush()
    serve(server, arguments.host, arguments.port, arguments.log_level)
    return 0


def default_data_dir(database: str) -> Optional[str]:
    """``<db>.files`` next to a database file; None (a temporary directory) otherwise."""
    if not database or database == ":memory:":
        return None
    if "://" in database:
        prefix = "sqlite:///"
        if not database.startswith(prefix):
            return None
        database = database[len(prefix) :].split("?", 1)[0]
        if database in ("", ":memory:"):
            return None
    return f"{database}.files"


def _create_user(arguments: argparse.Namespace) -> int:
    from ftrack_server.server import LocalServer

    server = LocalServer(arguments.db)
    try:
        api_key = server.create_user(
            arguments.username,
            first_name=arguments.first_name,
            last_name=arguments.last_name,
            email=arguments.email,
        )
    except ValueError as error:
        print(f"ftrack-server: {error}", file=sys.stderr)
        return 1
    print(f"FTRACK_API_USER={arguments.username}")
    print(f"FTRACK_API_KEY={api_key}")
    return 0


def _reset(arguments: argparse.Namespace) -> int:
    if "://" in arguments.db:
        print(
            "ftrack-server: reset only removes database files; drop the database yourself.",
            file=sys.stderr,
        )
        return 1
    path = Path(arguments.db)
    files = Path(f"{path}.files")  # the component files serve keeps by default
    if not arguments.yes:
        what = f"{path} and its component files in {files}" if files.exists() else str(path)
        answer = input(f"Delete {what}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            candidate.unlink()
    # The old site's files belong to no component of the new one.
    shutil.rmtree(files, ignore_errors=True)
    from ftrack_server.server import LocalServer

    server = LocalServer(str(path))
    print(f"Reset {path}.")
    print(f"FTRACK_API_USER={server.admin_username}")
    print(f"FTRACK_API_KEY={server.admin_api_key}")
    return 0


def _demo(_arguments: argparse.Namespace) -> int:
    from ftrack_server.demo import main as demo

    return demo()
