"""Handshake session ids: single use and short-lived."""

from ftrack_server.events.sessions import SessionStore

USER = {"id": "u1", "username": "jane"}


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_sid_is_redeemed_once():
    store = SessionStore(60, Clock())
    sid = store.issue(USER)
    assert store.claim(sid) == USER
    assert store.claim(sid) is None


def test_sids_are_unguessable_and_distinct():
    store = SessionStore(60)
    sids = {store.issue(USER) for _ in range(100)}
    assert len(sids) == 100
    assert all(len(sid) == 32 and ":" not in sid for sid in sids)
    assert store.claim("0" * 32) is None


def test_unused_sids_expire():
    clock = Clock()
    store = SessionStore(60, clock)
    sid = store.issue(USER)
    clock.now += 61
    assert store.claim(sid) is None


def test_expired_sids_are_forgotten_when_new_ones_are_issued():
    clock = Clock()
    store = SessionStore(60, clock)
    for _ in range(5):
        store.issue(USER)
    clock.now += 61
    fresh = store.issue(USER)
    assert len(store) == 1
    assert store.claim(fresh) == USER
