"""Entity operations of the session against the local server."""

from __future__ import annotations

import threading

import arrow
import pytest

import ftrack_api
import ftrack_api.exception
import ftrack_api.inspection
import ftrack_api.symbol
from ftrack_api.symbol import NOT_SET

from .conftest import RequestCounter


def _sequence_with_shots(session, project, count=3):
    sequence = session.create("Sequence", {"name": "sq010", "parent": project})
    shots = [
        session.create("Shot", {"name": f"sh{index:03d}", "parent": sequence})
        for index in range(count)
    ]
    session.commit()
    return sequence, shots


def test_create_commit_and_read_back_in_another_session(session, session_factory, new_project):
    project = new_project()
    sequence, _shots = _sequence_with_shots(session, project)
    assert ftrack_api.inspection.state(sequence) is NOT_SET
    other = session_factory()
    read = other.get("Sequence", sequence["id"])
    assert read is not sequence
    assert read["name"] == "sq010"
    assert read["project"]["id"] == project["id"]
    assert sorted(child["name"] for child in read["children"]) == ["sh000", "sh001", "sh002"]
    assert all(child.entity_type == "Shot" for child in read["children"])
    assert read["status"]["name"]  # the server gave it its workflow's first status


def test_one_object_per_entity_per_session(session, new_project):
    project = new_project()
    sequence, _shots = _sequence_with_shots(session, project, 1)
    found = session.query(f"Sequence where id is {sequence['id']}").one()
    assert found is sequence
    assert session.get("Sequence", sequence["id"]) is sequence
    as_context = session.query(f"Context where id is {sequence['id']}").one()
    assert as_context is sequence


def test_get_uses_memory_then_the_server(session, session_factory, new_project):
    project = new_project()
    counter = RequestCounter(session)
    assert session.get("Project", project["id"]) is project
    assert counter.count("query") == 0
    other = session_factory()
    other_counter = RequestCounter(other)
    assert other.get("Project", project["id"])["name"] == project["name"]
    assert other_counter.count("query") == 1
    assert other.get("Project", "no-such-id") is None


def test_query_results_page_lazily(session, new_project):
    project = new_project()
    _sequence_with_shots(session, project, 5)
    counter = RequestCounter(session)
    result = session.query(
        f'Shot where project_id is "{project["id"]}" order by name', page_size=2
    )
    assert counter.count("query") == 0
    assert result[0]["name"] == "sh000"
    assert counter.count("query") == 1
    assert [shot["name"] for shot in result] == [f"sh{index:03d}" for index in range(5)]
    assert counter.count("query") == 3  # pages of 2, 2 and 1
    assert len(result) == 5


def test_offset_limit_first_and_one(session, new_project):
    project = new_project()
    _sequence_with_shots(session, project, 4)
    expression = f'Shot where project_id is "{project["id"]}" order by name'
    names = [shot["name"] for shot in session.query(expression + " offset 1 limit 2")]
    assert names == ["sh001", "sh002"]
    assert session.query(expression).first()["name"] == "sh000"
    assert session.query(expression + " offset 3").first()["name"] == "sh003"
    assert (
        session.query(f'Shot where name is "nothing" and project_id is "{project["id"]}"').first()
        is None
    )
    with pytest.raises(ftrack_api.exception.MultipleResultsFoundError):
        session.query(expression).one()
    with pytest.raises(ftrack_api.exception.NoResultFoundError):
        session.query(f'Shot where name is "nothing" and project_id is "{project["id"]}"').one()
    with pytest.raises(ValueError, match="already contains a limit"):
        session.query(expression + " limit 1").first()
    with pytest.raises(ValueError, match="offset clause"):
        session.query(expression + " offset 1").one()


def test_unknown_types_and_bad_queries(session):
    with pytest.raises(KeyError):
        session.query("Shoot")
    with pytest.raises(ftrack_api.exception.UnrecognisedEntityTypeError):
        session.create("Shoot", {})
    with pytest.raises(ftrack_api.exception.ServerError, match="Unknown attribute"):
        session.query("select nope from Task").all()


def test_update_records_and_commits_changes(session, session_factory, new_project):
    project = new_project()
    _sequence, shots = _sequence_with_shots(session, project, 1)
    shot = shots[0]
    shot["description"] = "hero"
    assert shot in session.modified
    assert ftrack_api.inspection.state(shot) is ftrack_api.symbol.MODIFIED
    session.commit()
    assert session.modified == []
    assert session_factory().get("Shot", shot["id"])["description"] == "hero"


def test_immutable_attributes_refuse_changes(session, new_project):
    project = new_project()
    with pytest.raises(ftrack_api.exception.ImmutableAttributeError):
        project["id"] = "other"


def test_failed_commit_keeps_operations_for_retry_or_rollback(
    session, session_factory, new_project
):
    project = new_project()
    sequence = session.create("Sequence", {"name": "sq", "parent": project})
    task = session.create("Task", {"name": "t", "parent": sequence})
    task["status_id"] = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(ftrack_api.exception.ServerError, match="Invalid reference"):
        session.commit()
    assert sequence in session.created and task in session.created
    assert len(session.recorded_operations) > 0
    # Nothing of the batch reached the server.
    assert (
        session_factory().query(f'TypedContext where project_id is "{project["id"]}"').all() == []
    )
    # Fix and retry: the same operations go through.
    status = session.query("Status").first()
    task["status"] = status
    session.commit()
    assert session_factory().get("Task", task["id"])["status_id"] == status["id"]
    assert session_factory().get("Sequence", sequence["id"])["name"] == "sq"


def test_rollback_discards_new_entities_and_local_values(session, new_project):
    project = new_project()
    project["full_name"] = "changed"
    created = session.create("Sequence", {"name": "temp", "parent": project})
    session.rollback()
    assert project["full_name"] == "Test project"
    assert len(session.recorded_operations) == 0
    assert session.get("Sequence", created["id"]) is None


def test_delete_removes_the_tree(session, session_factory, new_project):
    project = new_project()
    sequence, _shots = _sequence_with_shots(session, project, 2)
    session.delete(sequence)
    assert sequence in session.deleted
    session.commit()
    other = session_factory()
    assert other.get("Sequence", sequence["id"]) is None
    assert other.query(f'Shot where project_id is "{project["id"]}"').all() == []


def test_create_then_delete_never_reaches_the_server(session, new_project):
    project = new_project()
    counter = RequestCounter(session)
    sequence = session.create("Sequence", {"name": "ghost", "parent": project})
    session.delete(sequence)
    session.commit()
    assert counter.count("create") == 0 and counter.count("delete") == 0


def test_populate_and_auto_population(session, session_factory, new_project):
    project = new_project()
    _sequence_with_shots(session, project, 2)
    other = session_factory()
    shots = other.query(f'select id from Shot where project_id is "{project["id"]}"').all()
    with other.auto_populating(False):
        assert shots[0]["name"] is NOT_SET
    counter = RequestCounter(other)
    other.populate(shots, "name, description")
    assert counter.actions == ["query"]
    with other.auto_populating(False):
        assert {shot["name"] for shot in shots} == {"sh000", "sh001"}
    # Reading an unset attribute fetches it once.
    parent = shots[0]["parent"]
    assert parent["name"] == "sq010"
    other.auto_populate = False
    assert shots[0]["bid"] is NOT_SET or shots[0]["bid"] == 0
    other.auto_populate = True


def test_ensure_creates_once_and_updates_other_values(session, session_factory):
    name = f"ensured-{id(session)}"
    first = session.ensure("Priority", {"name": name, "sort": 3})
    again = session_factory().ensure("Priority", {"name": name, "sort": 3})
    assert again["id"] == first["id"]
    changed = session_factory().ensure(
        "Priority", {"name": name, "sort": 4}, identifying_keys=["name"]
    )
    assert changed["id"] == first["id"]
    assert session_factory().get("Priority", first["id"])["sort"] == 4


def test_collections_track_changes(session, session_factory, new_project):
    project = new_project()
    _sequence, shots = _sequence_with_shots(session, project, 1)
    other_sequence = session.create("Sequence", {"name": "sq020", "parent": project})
    session.commit()
    other_sequence["children"].append(shots[0])
    with pytest.raises(ftrack_api.exception.DuplicateItemInCollectionError):
        other_sequence["children"].append(shots[0])
    session.commit()
    moved = session_factory().get("Shot", shots[0]["id"])
    assert moved["parent"]["id"] == other_sequence["id"]


def test_metadata_behaves_like_a_mapping(session, session_factory, new_project):
    project = new_project()
    project["metadata"]["frame_rate"] = "24"
    project["metadata"]["padding"] = "4"
    session.commit()
    read = session_factory().get("Project", project["id"])
    assert dict(read["metadata"]) == {"frame_rate": "24", "padding": "4"}
    del project["metadata"]["padding"]
    project["metadata"]["frame_rate"] = "25"
    session.commit()
    assert dict(session_factory().get("Project", project["id"])["metadata"]) == {
        "frame_rate": "25"
    }


def test_dates_round_trip_as_arrow(session, session_factory, new_project):
    project = new_project()
    when = arrow.get("2024-03-01T14:05:09+01:00")
    project["start_date"] = when
    session.commit()
    read = session_factory().get("Project", project["id"])
    assert isinstance(read["start_date"], arrow.Arrow)
    assert read["start_date"] == when


def test_merge_brings_entities_from_another_session(session, session_factory, new_project):
    project = new_project()
    other = session_factory()
    foreign = other.get("Project", project["id"])
    foreign_copy = session_factory().get("Project", project["id"])
    merged = other.merge(foreign_copy)
    assert merged is foreign


def test_encode_and_decode(session, new_project):
    project = new_project()
    encoded = session.encode({"project": project, "when": arrow.get("2020-01-02T03:04:05")})
    decoded = session.decode(encoded)
    assert decoded["project"]["id"] == project["id"]
    assert decoded["when"] == arrow.get("2020-01-02T03:04:05")
    assert session.entity_reference(project) == {"__entity_type__": "Project", "id": project["id"]}


def test_call_sends_raw_operations(session):
    (information,) = session.call([{"action": "query_server_information"}])
    assert information["version"]


def test_reset_forgets_everything(session, new_project):
    project = new_project()
    session.reset()
    assert session.get("Project", project["id"]) is not project
    # Built-in locations are configured again.
    assert session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID).priority == 150


def test_a_session_can_be_shared_between_threads(session, new_project):
    project = new_project()
    errors = []

    def work(number):
        try:
            for index in range(5):
                session.create("Sequence", {"name": f"t{number}-{index}", "parent": project})
                session.query(f'Context where project_id is "{project["id"]}"').all()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session.commit()
    names = {
        sequence["name"]
        for sequence in session.query(f'Sequence where project_id is "{project["id"]}"')
    }
    assert names == {f"t{number}-{index}" for number in range(4) for index in range(5)}
