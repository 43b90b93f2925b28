"""Session start-up and configuration against the local server."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

import ftrack_api
import ftrack_api.exception

from .conftest import RequestCounter, recorded_actions


def test_environment_configures_a_session(ftrack_server, monkeypatch, tmp_path):
    for name, value in ftrack_server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FTRACK_API_SCHEMA_CACHE_PATH", str(tmp_path))
    monkeypatch.setenv("FTRACK_EVENT_PLUGIN_PATH", "")
    with ftrack_api.Session() as session:
        assert session.server_url == ftrack_server.url
        assert session.api_user == ftrack_server.api_user
        assert session.api_key == ftrack_server.api_key
        assert len(session.types) == 116
        assert session.server_information["schema_hash"]
    assert session.closed
    assert (tmp_path / "ftrack_api_schema_cache.json").exists()


def test_legacy_api_key_variable(ftrack_server, monkeypatch, tmp_path):
    monkeypatch.setenv("FTRACK_SERVER", ftrack_server.url + "/")
    monkeypatch.setenv("FTRACK_API_USER", ftrack_server.api_user)
    monkeypatch.delenv("FTRACK_API_KEY", raising=False)
    monkeypatch.setenv("FTRACK_APIKEY", ftrack_server.api_key)
    session = ftrack_api.Session(plugin_paths=[], schema_cache_path=False)
    assert session.server_url == ftrack_server.url  # trailing slash removed
    session.close()


@pytest.mark.parametrize(
    ("missing", "variable"),
    [("server_url", "FTRACK_SERVER"), ("api_key", "FTRACK_API_KEY")],
)
def test_missing_settings_raise_the_original_error(monkeypatch, missing, variable):
    for name in ("FTRACK_SERVER", "FTRACK_API_KEY", "FTRACK_APIKEY"):
        monkeypatch.delenv(name, raising=False)
    options = {"server_url": "http://127.0.0.1:1", "api_key": "k", "api_user": "u"}
    options[missing] = None
    with pytest.raises(TypeError, match=f'Required "{missing}" not specified.*{variable}'):
        ftrack_api.Session(**options)


def test_bad_credentials_raise_server_error(ftrack_server):
    with pytest.raises(ftrack_api.exception.ServerError, match="InvalidCredentialsError"):
        ftrack_api.Session(
            server_url=ftrack_server.url,
            api_key="not-a-key",
            api_user=ftrack_server.api_user,
            plugin_paths=[],
            schema_cache_path=False,
        )


def test_warm_schema_cache_skips_the_download(session_factory, tmp_path):
    cache = tmp_path / "cache"
    first = session_factory(schema_cache_path=str(cache))
    path = cache / "ftrack_api_schema_cache.json"
    assert json.loads(path.read_text()) == first.schemas

    with recorded_actions() as actions:
        session_factory(schema_cache_path=str(cache))
        assert actions == ["query_server_information"]
        # A cache that no longer matches the server's hash is replaced.
        path.write_text(json.dumps(first.schemas[:-1]))
        actions.clear()
        session_factory(schema_cache_path=str(cache))
        assert actions == ["query_server_information", "query_schemas"]
    assert json.loads(path.read_text()) == first.schemas


def test_closed_session_refuses_requests(session):
    session.close()
    with pytest.raises(ftrack_api.exception.ConnectionClosedError):
        session.query("User").all()


def test_strict_api_and_custom_headers_reach_the_server(session_factory):
    session = session_factory(strict_api=True, headers={"x-studio": "test"})
    headers = session._managed_request.headers
    assert headers["ftrack-strict-api"] == "true"
    assert headers["x-studio"] == "test"
    assert session.query("User").first() is not None


def _write_plugin(directory, name, body):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(textwrap.dedent(body))


def test_plugins_are_discovered_and_can_shape_entity_classes(session_factory, tmp_path):
    plugins = tmp_path / "plugins"
    _write_plugin(
        plugins,
        "mixin_plugin.py",
        """
        import ftrack_api.entity.factory

        class ShoutMixin(object):
            def shout(self):
                return self["name"].upper()

        def construct(event):
            schema = event["data"]["schema"]
            if schema["id"] == "Project":
                return ftrack_api.entity.factory.StandardFactory().create(
                    schema, bases=[ShoutMixin]
                )

        def register(session, **kw):
            session.event_hub.subscribe(
                "topic=ftrack.api.session.construct-entity-type", construct
            )
            session.event_hub.subscribe(
                "topic=ftrack.api.session.ready",
                lambda event: setattr(event["data"]["session"], "_ready_seen", kw),
            )
        """,
    )
    _write_plugin(plugins / "nested", "broken.py", "raise RuntimeError('broken plugin')\n")
    session = session_factory(plugin_paths=[str(plugins)], plugin_arguments={"studio": "x"})
    project = session.create("Project", {"name": "shout"})
    assert project.shout() == "SHOUT"
    assert session._ready_seen == {"studio": "x"}
    session.rollback()


def test_plugin_path_comes_from_the_environment(session_factory, tmp_path, monkeypatch):
    plugins = tmp_path / "env-plugins"
    _write_plugin(
        plugins,
        "marker.py",
        """
        def register(session):
            session._marker = True
        """,
    )
    monkeypatch.setenv("FTRACK_EVENT_PLUGIN_PATH", os.pathsep.join([str(plugins), "/nowhere"]))
    session = session_factory(plugin_paths=None)
    assert session._marker is True


def test_configure_location_event_configures_custom_locations(session_factory, tmp_path):
    plugins = tmp_path / "location-plugins"
    _write_plugin(
        plugins,
        "locations.py",
        """
        import ftrack_api.accessor.disk
        import ftrack_api.structure.id

        def configure(event):
            session = event["data"]["session"]
            location = session.ensure("Location", {{"name": "studio.disk.configure"}})
            location.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix={!r})
            location.structure = ftrack_api.structure.id.IdStructure()
            location.priority = 5

        def register(session):
            session.event_hub.subscribe(
                "topic=ftrack.api.session.configure-location", configure
            )
        """.format(str(tmp_path / "storage")),
    )
    session = session_factory(plugin_paths=[str(plugins)])
    location = session.query('Location where name is "studio.disk.configure"').one()
    assert location.priority == 5
    assert location.accessor.prefix == str(tmp_path / "storage")


def test_requests_are_counted_per_page(session):
    counter = RequestCounter(session)
    users = session.query("User", page_size=1).all()
    assert len(users) >= 1
    # One request per page of one user, plus none extra once next.offset is null.
    assert counter.count("query") == len(users)


def test_sessions_of_one_site_share_entity_classes(session_factory):
    first = session_factory()
    second = session_factory(schema_cache_path=False)
    assert first.types["Task"] is second.types["Task"]
    assert first.types["Task"].attributes.get("name").name == "name"


def test_a_schema_cache_in_another_layout_is_still_used(session_factory, tmp_path):
    cache = tmp_path / "layout"
    first = session_factory(schema_cache_path=str(cache))
    path = cache / "ftrack_api_schema_cache.json"
    path.write_text(json.dumps(first.schemas, indent=2))  # valid, differently spaced
    with recorded_actions() as actions:
        session_factory(schema_cache_path=str(cache))
    assert actions == ["query_server_information"]
