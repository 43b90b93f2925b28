"""How queried entities are held: shared shapes, shared repeated texts, plain objects."""

from __future__ import annotations

import http.server
import threading
import time
import weakref

import pytest

import ftrack_api.exception
import ftrack_api.inspection
import ftrack_api.symbol

from .conftest import RequestCounter
from .test_entities import _sequence_with_shots


def test_entities_loaded_alike_share_one_shape(session, session_factory, new_project):
    project = new_project()
    _sequence_with_shots(session, project, count=4)
    reader = session_factory()
    shots = reader.query(
        f'select name, parent.name from Shot where project_id is "{project["id"]}"'
    ).all()
    assert len(shots) == 4
    assert len({id(shot._remote.shape) for shot in shots}) == 1
    assert sorted(shot["name"] for shot in shots) == ["sh000", "sh001", "sh002", "sh003"]


def test_repeated_foreign_keys_are_held_once(session, session_factory, new_project):
    project = new_project()
    _sequence_with_shots(session, project, count=3)
    reader = session_factory()
    shots = reader.query(f'select name from Shot where project_id is "{project["id"]}"').all()
    assert len({id(shot["project_id"]) for shot in shots}) == 1
    assert len({id(shot["id"]) for shot in shots}) == 3


def test_remote_values_merge_into_the_same_entity(session, session_factory, new_project):
    project = new_project()
    _, shots = _sequence_with_shots(session, project, count=1)
    reader = session_factory()
    first = reader.query(f'select name from Shot where id is "{shots[0]["id"]}"').one()
    again = reader.query(f'select description from Shot where id is "{shots[0]["id"]}"').one()
    assert again is first
    with reader.auto_populating(False):
        assert first["name"] == "sh000"
        assert first["description"] == shots[0]["description"]


def test_entities_take_user_attributes_and_weak_references(session, new_project):
    project = new_project()
    project.note_for_pipeline = "kept"  # scripts written for the original do this
    assert project.note_for_pipeline == "kept"
    reference = weakref.ref(project)
    assert reference() is project


def test_the_memory_cache_layer_holds_entities_by_identity(session, new_project):
    project = new_project()
    identity = ftrack_api.inspection.identity(project)
    key = (identity[0], tuple(identity[1]))
    assert session.cache.get(key) is project
    cached_keys = session._local_cache.keys()
    assert key in cached_keys


def test_responses_release_their_connection(session, new_project):
    project = new_project()
    for _ in range(20):
        session.query(f'Project where id is "{project["id"]}"').one()
    pools = session._managed_request.get_adapter(session.server_url).poolmanager.pools
    keys = list(pools.keys())  # the container refuses plain iteration
    opened = sum(pools[key].num_connections for key in keys)
    assert opened == 1


class _NotJson(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"<html>proxy says no</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def not_json_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_response_that_is_not_json_is_reported_with_its_text(session, not_json_server):
    session._request_url = not_json_server + "/api"
    with pytest.raises(ftrack_api.exception.ServerError, match="proxy says no"):
        session.call([{"action": "query_server_information"}])


def test_a_commits_answer_fills_in_what_the_server_set(session, new_project):
    project = new_project()
    sequence = session.create("Sequence", {"name": "sq", "parent": project})
    shots = [
        session.create("Shot", {"name": f"sh{index}", "parent": sequence}) for index in range(3)
    ]
    session.commit()
    counter = RequestCounter(session)
    with session.auto_populating(False):
        for shot in shots:
            assert shot["name"].startswith("sh")
            assert shot["project_id"] == project["id"]
            assert shot["status_id"] is not ftrack_api.symbol.NOT_SET
            assert shot["created_at"].year >= 2024
    assert counter.actions == []
    assert len({id(shot._remote.shape) for shot in shots}) == 1


def test_a_failed_commit_restores_the_remote_values(session, new_project):
    project = new_project()
    shot = session.create("Shot", {"name": "kept", "parent": project})
    session.commit()
    shot["name"] = "renamed"
    session.create("Shot", {"name": "broken", "parent": shot, "status_id": "not-a-status"})
    with pytest.raises(ftrack_api.exception.ServerError):
        session.commit()
    with session.auto_populating(False):
        assert shot["name"] == "renamed"
        assert ftrack_api.inspection.state(shot) is ftrack_api.symbol.MODIFIED
    assert shot._remote.get("name") == "kept"
    session.rollback()
    assert shot["name"] == "kept"


def test_a_value_json_cannot_hold_fails_the_commit_and_changes_nothing(session, new_project):
    project = new_project()
    shot = session.create("Shot", {"name": "kept", "parent": project})
    session.commit()
    shot["name"] = "renamed"
    shot["description"] = {"not", "json"}  # a set
    with pytest.raises(TypeError):
        session.commit()
    with session.auto_populating(False):
        assert shot["name"] == "renamed"
        assert ftrack_api.inspection.state(shot) is ftrack_api.symbol.MODIFIED
    assert shot._remote.get("name") == "kept"
    shot["description"] = "plain text"
    session.commit()
    assert ftrack_api.inspection.state(shot) is ftrack_api.symbol.NOT_SET
    assert (
        session.query(f'select name, description from Shot where id is "{shot["id"]}"').one()[
            "description"
        ]
        == "plain text"
    )


def test_reading_entities_while_another_thread_merges_into_them(
    session, session_factory, new_project
):
    project = new_project()
    _sequence_with_shots(session, project, count=5)
    session = session_factory()  # its entities start with just the names queried
    shots = session.query(f'select name from Shot where project_id is "{project["id"]}"').all()
    errors = []
    done = threading.Event()

    def read():
        try:
            with session.auto_populating(False):
                while not done.is_set():
                    for shot in shots:
                        assert shot["name"].startswith("sh")
                        shot["description"]  # set or not yet, never a crash
                        shot["bid"]
                    time.sleep(0)  # let the merging thread run
        except Exception as error:  # reported below
            errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        # Each query brings several new names at once, then the same names again.
        projections = ["description", "status_id", "priority_id", "sort", "bid", "type_id"]
        for count in (2, 2, 4, 4, 6, 6):
            session.query(
                f"select {', '.join(projections[:count])} from Shot "
                f'where project_id is "{project["id"]}"'
            ).all()
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert errors == []
    with session.auto_populating(False):
        assert all(shot["bid"] is not ftrack_api.symbol.NOT_SET for shot in shots)
