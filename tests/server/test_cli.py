"""The ftrack-server command: serve, create-user, reset and demo."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests

from ftrack_server.cli import main
from ftrack_server.server import LocalServer
from ftrack_server.storage.credentials import user_for_api_key


def _credentials(output: str) -> dict:
    values = {}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("FTRACK_") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def _authenticates(database: str, username: str, key: str) -> bool:
    server = LocalServer(database)
    with server.database.transaction(write=False) as connection:
        return user_for_api_key(connection, username, key) is not None


def test_create_user_prints_a_working_key(tmp_path, capsys):
    database = str(tmp_path / "site.sqlite")
    assert main(["create-user", "jane", "--db", database, "--first-name", "Jane"]) == 0
    values = _credentials(capsys.readouterr().out)
    assert values["FTRACK_API_USER"] == "jane"
    assert _authenticates(database, "jane", values["FTRACK_API_KEY"])


def test_create_user_refuses_a_taken_name(tmp_path, capsys):
    database = str(tmp_path / "site.sqlite")
    assert main(["create-user", "jane", "--db", database]) == 0
    assert main(["create-user", "JANE", "--db", database]) == 1
    assert "already exists" in capsys.readouterr().err


def test_reset_starts_afresh(tmp_path, capsys):
    database = str(tmp_path / "site.sqlite")
    main(["create-user", "jane", "--db", database])
    old_key = _credentials(capsys.readouterr().out)["FTRACK_API_KEY"]
    assert main(["reset", "--db", database, "--yes"]) == 0
    values = _credentials(capsys.readouterr().out)
    assert not _authenticates(database, "jane", old_key)
    assert _authenticates(database, values["FTRACK_API_USER"], values["FTRACK_API_KEY"])


def test_reset_removes_the_old_sites_component_files(tmp_path, capsys):
    database = str(tmp_path / "site.sqlite")
    main(["create-user", "jane", "--db", database])
    stored = tmp_path / "site.sqlite.files" / "ab" / "component.exr"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"pixels")
    assert main(["reset", "--db", database, "--yes"]) == 0
    assert not (tmp_path / "site.sqlite.files").exists()


def test_reset_asks_before_deleting(tmp_path, monkeypatch, capsys):
    database = str(tmp_path / "site.sqlite")
    main(["create-user", "jane", "--db", database])
    key = _credentials(capsys.readouterr().out)["FTRACK_API_KEY"]
    (tmp_path / "site.sqlite.files").mkdir()
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "n")
    assert main(["reset", "--db", database]) == 1
    assert _authenticates(database, "jane", key)
    assert "site.sqlite.files" in prompts[0]
    assert (tmp_path / "site.sqlite.files").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_prints_how_to_connect_and_serves(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ftrack_server",
            "serve",
            "--db",
            str(tmp_path / "s.sqlite"),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        while not any(line.startswith("  FTRACK_API_KEY=") for line in lines):
            line = process.stdout.readline()
            assert line, "serve exited early:\n" + "".join(lines)
            lines.append(line)
        values = _credentials("".join(lines))
        assert values["FTRACK_SERVER"] == f"http://127.0.0.1:{port}"
        assert values["FTRACK_API_USER"] == "admin"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.post(
                    values["FTRACK_SERVER"] + "/api",
                    json=[{"action": "query_server_information"}],
                    headers={
                        "ftrack-user": values["FTRACK_API_USER"],
                        "ftrack-api-key": values["FTRACK_API_KEY"],
                    },
                    timeout=10,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.1)
        assert response.json()[0]["schema_hash"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_demo_runs_end_to_end(capsys):
    assert main(["demo"]) == 0
    output = capsys.readouterr().out
    assert "created project 'demo' with 1 sequence, 3 shots and 6 tasks" in output
    assert "queried 6 tasks" in output
    assert "sh030/animation" in output
    assert "description 'hero shot'" in output
    assert "100% on the server, read back b'plate data\\n'" in output
    assert "received ftrack.update: Shot update of description" in output
    assert "0 contexts left" in output
