"""Tests for ftrack_api.resource_identifier_transformer.base."""

from __future__ import annotations

import pytest

from ftrack_api.resource_identifier_transformer.base import ResourceIdentifierTransformer


def test_keeps_session():
    session = object()
    assert ResourceIdentifierTransformer(session).session is session


@pytest.mark.parametrize("resource_identifier", ["a/b.png", "", None, 42])
def test_default_encode_and_decode_return_identifier_unchanged(resource_identifier):
    transformer = ResourceIdentifierTransformer(session=None)
    assert transformer.encode(resource_identifier) is resource_identifier
    assert transformer.decode(resource_identifier, context={"component": None}) is (
        resource_identifier
    )
