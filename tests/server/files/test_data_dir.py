"""Where component data lives: ``--data-dir``, its default, and surviving a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from ftrack_server.cli import default_data_dir, main
from ftrack_server.runner import BackgroundServer
from ftrack_server.server import LocalServer
from tests.server.api.wire import Api, create

from .conftest import SERVER_LOCATION_ID, new_id, upload


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("site.sqlite", "site.sqlite.files"),
        ("/srv/ftrack/site.db", "/srv/ftrack/site.db.files"),
        ("sqlite:////srv/site.db", "/srv/site.db.files"),
        ("sqlite:///relative.db?timeout=5", "relative.db.files"),
        (":memory:", None),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://user@host/ftrack", None),
    ],
)
def test_the_default_data_directory_sits_next_to_a_database_file(database, expected):
    assert default_data_dir(database) == expected


def _served(monkeypatch, arguments) -> LocalServer:
    served = []
    monkeypatch.setattr(
        "ftrack_server.runner.serve", lambda server, *_args, **_kwargs: served.append(server)
    )
    assert main(["serve", *arguments]) == 0
    return served[0]


def test_serve_keeps_files_next_to_the_database(tmp_path, monkeypatch, capsys):
    database = tmp_path / "site.sqlite"
    server = _served(monkeypatch, ["--db", str(database)])
    assert server.files.root == Path(f"{database}.files")
    assert f"component files in {database}.files" in capsys.readouterr().out


def test_serve_accepts_a_data_directory(tmp_path, monkeypatch):
    server = _served(
        monkeypatch, ["--db", str(tmp_path / "s.sqlite"), "--data-dir", str(tmp_path / "blobs")]
    )
    assert server.files.root == tmp_path / "blobs"
    assert (tmp_path / "blobs" / "components").is_dir()


def test_serve_in_memory_uses_a_temporary_directory(monkeypatch, capsys):
    server = _served(monkeypatch, ["--db", ":memory:"])
    assert server.files.root.is_dir()
    assert "temporary; use --data-dir to keep" in capsys.readouterr().out


def test_data_and_signed_urls_survive_a_restart(tmp_path):
    database, data_dir = str(tmp_path / "site.sqlite"), str(tmp_path / "data")
    with BackgroundServer(LocalServer(database, data_dir=data_dir)) as background:
        server = background.server
        api = Api(background.url, server.admin_username, server.admin_api_key)
        component_id = new_id()
        upload(api, component_id, b"kept on disk")
        api.ok(
            [
                create("FileComponent", id=component_id, name="main", file_type=".bin"),
                create(
                    "ComponentLocation",
                    component_id=component_id,
                    location_id=SERVER_LOCATION_ID,
                    resource_identifier=component_id,
                ),
            ]
        )
        (entry,) = api.query(
            f'select url from ComponentLocation where component_id is "{component_id}"'
        )
        url = entry["url"]["url"]
    port = url.split("/")[2].rsplit(":", 1)[1]
    restarted = BackgroundServer(LocalServer(database, data_dir=data_dir), port=int(port))
    with restarted:
        assert requests.get(url, timeout=60).content == b"kept on disk"
