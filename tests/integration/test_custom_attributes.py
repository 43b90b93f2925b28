"""Custom attributes: configurations, dense values with defaults, typed values."""

from __future__ import annotations

import uuid

import pytest

import ftrack_api.exception


@pytest.fixture
def configuration(session):
    """A number custom attribute for Shots, created for the test and removed after."""
    shot_type = session.query('ObjectType where name is "Shot"').one()
    number_type = session.query('CustomAttributeType where name is "number"').one()
    key = f"fstart_{uuid.uuid4().hex[:8]}"
    created = session.create(
        "CustomAttributeConfiguration",
        {
            "key": key,
            "label": "Frame start",
            "entity_type": "task",
            "object_type_id": shot_type["id"],
            "type": number_type,
            "default": 1001,
            "config": '{"isdecimal": false}',
        },
    )
    session.commit()
    session._configuration_cache = None  # forget configurations fetched before
    yield created
    session.delete(created)
    session.commit()


def test_values_default_to_the_configuration_and_persist(
    session, session_factory, new_project, configuration
):
    project = new_project()
    shot = session.create("Shot", {"name": "sh010", "parent": project})
    session.commit()
    other = session_factory()
    read = other.get("Shot", shot["id"])
    key = configuration["key"]
    assert read["custom_attributes"][key] == 1001
    read["custom_attributes"][key] = 1010
    other.commit()
    assert session_factory().get("Shot", shot["id"])["custom_attributes"][key] == 1010
    shots = (
        session_factory()
        .query(f'Shot where custom_attributes any (key is "{key}" and value is 1010)')
        .all()
    )
    assert [item["id"] for item in shots] == [shot["id"]]


def test_values_of_a_new_entity_are_sent_with_its_creation(
    session, session_factory, new_project, configuration
):
    project = new_project()
    shot = session.create("Shot", {"name": "sh020", "parent": project})
    shot["custom_attributes"][configuration["key"]] = 1100
    session.commit()
    read = session_factory().get("Shot", shot["id"])
    assert read["custom_attributes"][configuration["key"]] == 1100


def test_unknown_keys_and_wrong_types_are_refused(
    session, session_factory, new_project, configuration
):
    project = new_project()
    shot = session.create("Shot", {"name": "sh030", "parent": project})
    session.commit()
    other = session_factory()
    read = other.get("Shot", shot["id"])
    with pytest.raises(KeyError):
        read["custom_attributes"]["no_such_attribute"] = 1
    read["custom_attributes"][configuration["key"]] = "not a number"
    with pytest.raises(ftrack_api.exception.ServerError):
        other.commit()
    other.rollback()
