"""The original ftrack-python-api event hub works unchanged against our server."""

import pytest

pytestmark = pytest.mark.compat


def test_event_hub_scenario(original_client, ftrack_server):
    findings = original_client.run("event_hub")

    assert findings["connected"] == [True, True]
    assert findings["self_delivery"] == [{"n": 1}], "a hub hears its own events, once"
    assert findings["twice_counts"] == [1, 1], "two matching subscribers, one delivery"
    assert findings["reply_data"] == [{"answer": 42}]
    assert findings["reply_links"] == [True]
    assert findings["reply_topics"] == ["ftrack.meta.reply"]
    assert findings["targeted"] == {"a": ["a"], "b": ["b"]}
    assert findings["after_unsubscribe"] == [{"n": 1}]
    assert findings["update_entities"] == [["Project", "add", True]]
    assert findings["update_source_user"] == ftrack_server.api_user
    assert findings["disconnected"] == [False, False]
