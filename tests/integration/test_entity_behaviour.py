"""Per-type entity behaviour (project schemas, notes, users, jobs), caches and tools."""

from __future__ import annotations

import pytest

import ftrack_api
import ftrack_api.cache
import ftrack_api.exception
import ftrack_api.formatter
import ftrack_api.inspection

from .conftest import RequestCounter


def test_project_schema_statuses_and_types(session):
    schema = session.query('ProjectSchema where name is "VFX Scheme"').one()
    task_types = schema.get_types("Task")
    assert task_types and all(item.entity_type == "Type" for item in task_types)
    for task_type in task_types:
        statuses = schema.get_statuses("Task", task_type["id"])
        assert statuses and all(item.entity_type == "Status" for item in statuses)
    assert schema.get_statuses("Shot")
    assert schema.get_statuses("AssetVersion")
    with pytest.raises(ValueError, match="No schema found matching"):
        schema.get_statuses("NotAnObjectType")


def test_notes_and_replies(session, session_factory, new_project):
    project = new_project()
    user = session.query(f'User where username is "{session.api_user}"').one()
    note = project.create_note("Looks great", author=user, recipients=[user])
    reply = note.create_reply("Thanks", author=user)
    session.commit()
    read = session_factory().get("Note", note["id"])
    assert read["content"] == "Looks great"
    assert read["parent_id"] == project["id"]
    assert [item["content"] for item in read["replies"]] == ["Thanks"]
    assert read["replies"][0]["id"] == reply["id"]
    assert [recipient["resource_id"] for recipient in read["recipients"]] == [user["id"]]


def test_user_timers(session_factory, new_project):
    session = session_factory()
    project = new_project()
    user = session.query(f'User where username is "{session.api_user}"').one()
    timer = user.start_timer(project, comment="working")
    assert timer["comment"] == "working"
    with pytest.raises(ftrack_api.exception.NotUniqueError):
        user.start_timer(project)
    timelog = user.stop_timer()
    assert timelog["context_id"] == project["id"]
    assert timelog["duration"] >= 0
    with pytest.raises(ftrack_api.exception.NoResultFoundError):
        user.stop_timer()


def test_user_api_key_reset(ftrack_server_factory):
    server = ftrack_server_factory()
    session = ftrack_api.Session(
        server_url=server.url,
        api_key=server.api_key,
        api_user=server.api_user,
        plugin_paths=[],
        schema_cache_path=False,
    )
    user = session.query(f'User where username is "{server.api_user}"').one()
    new_key = user.reset_api_key()
    assert new_key and new_key != server.api_key
    fresh = ftrack_api.Session(
        server_url=server.url,
        api_key=new_key,
        api_user=server.api_user,
        plugin_paths=[],
        schema_cache_path=False,
    )
    assert fresh.query("User").first() is not None
    fresh.close()
    session.close()


def test_jobs_must_be_api_jobs(session):
    with pytest.raises(ValueError, match='Invalid job type "other"'):
        session.create("Job", {"type": "other"})
    job = session.create("Job", {})
    assert job["type"] == "api_job" and job["status"] == "queued"
    session.commit()
    assert session.get("Job", job["id"])["status"] == "queued"


def test_inspection_on_real_entities(session, new_project):
    project = new_project()
    assert ftrack_api.inspection.identity(project) == ("Project", [project["id"]])
    assert ftrack_api.inspection.primary_key(project) == {"id": project["id"]}
    created = session.create("Sequence", {"name": "sq", "parent": project})
    project["full_name"] = "changed"
    states = ftrack_api.inspection.states([project, created])
    assert states == [ftrack_api.symbol.MODIFIED, ftrack_api.symbol.CREATED]
    session.rollback()


def test_formatter_on_real_entities(session, new_project, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    project = new_project()
    text = ftrack_api.formatter.format(
        project, attribute_filter=ftrack_api.formatter.FILTER["ignore_unset"]
    )
    assert "Project" in text
    assert f"id: {project['id']}" in text


def test_file_cache_persists_entities_between_sessions(session_factory, new_project, tmp_path):
    project = new_project()
    path = str(tmp_path / "entity-cache")

    def file_cache(session):
        return ftrack_api.cache.SerialisedCache(
            ftrack_api.cache.FileCache(path), encode=session.encode, decode=session.decode
        )

    first = session_factory(cache=file_cache)
    assert first.get("Project", project["id"])["name"] == project["name"]
    second = session_factory(cache=file_cache)
    counter = RequestCounter(second)
    cached = second.get("Project", project["id"])
    assert cached["name"] == project["name"]
    assert counter.count("query") == 0
