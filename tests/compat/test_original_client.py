"""The original ftrack-python-api works unchanged against our local server."""

import pytest

pytestmark = pytest.mark.compat


def test_project_tree_scenario(original_client):
    findings = original_client.run("project_tree")

    assert findings["type_count"] == 116
    assert findings["task_type_names"], "the default schema offers task types"
    assert findings["task_status_count"] > 0
    assert findings["shot_status_count"] > 0

    assert findings["task_count"] == 12
    # order by parent.parent.name desc, parent.name, name
    assert findings["task_paths"][:4] == [
        "sq020/sh010/animation",
        "sq020/sh010/lighting",
        "sq020/sh020/animation",
        "sq020/sh020/lighting",
    ]
    assert findings["task_paths"][-1] == "sq010/sh030/lighting"
    assert findings["task_entity_types"] == ["Task"]
    assert len(findings["task_status_names"]) == 1
    assert findings["task_type_names_seen"] == [findings["chosen_task_type"]]

    assert findings["nested_where_count"] == 2
    assert findings["paged_shot_names"] == ["sh030", "sh030", "sh020", "sh020", "sh010", "sh010"]
    assert findings["first_shot"] == "sh010"
    assert findings["offset_limit_names"] == ["sh020", "sh020", "sh030"]
    assert findings["sequence_one"] == "sq020"
    assert findings["context_types"] == ["Project", "Sequence", "Shot", "Task"]

    assert findings["updated_description"] == "hero shot"
    assert findings["updated_status"] == findings["expected_status"]

    assert findings["contexts_after_delete"] == 0
    assert findings["project_after_delete"] == 0
