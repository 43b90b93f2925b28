"""Signed upload/read tokens: bound to purpose and subject, expiring, unforgeable."""

from __future__ import annotations

import os
import stat

import pytest

from ftrack_server.files.tokens import SECRET_FILE, TokenError, TokenSigner

NOW = 1_700_000_000.0


@pytest.fixture
def signer() -> TokenSigner:
    return TokenSigner(b"s" * 32)


def test_a_token_is_valid_for_its_purpose_and_subject_until_it_expires(signer):
    token = signer.issue("read", "component-1", 60, now=NOW)
    signer.verify(token, "read", "component-1", now=NOW)
    signer.verify(token, "read", "component-1", now=NOW + 60)
    with pytest.raises(TokenError, match="expired"):
        signer.verify(token, "read", "component-1", now=NOW + 61)


@pytest.mark.parametrize(
    ("purpose", "subject"), [("read", "component-2"), ("upload", "component-1")]
)
def test_a_token_does_not_transfer_to_another_purpose_or_subject(signer, purpose, subject):
    token = signer.issue("read", "component-1", 60, now=NOW)
    with pytest.raises(TokenError, match="not valid"):
        signer.verify(token, purpose, subject, now=NOW)


def test_extending_the_expiry_breaks_the_signature(signer):
    token = signer.issue("read", "component-1", 60, now=NOW)
    expires, signature = token.split(".")
    forged = f"{int(expires) + 3600}.{signature}"
    with pytest.raises(TokenError, match="not valid"):
        signer.verify(forged, "read", "component-1", now=NOW)


def test_a_changed_signature_is_refused(signer):
    token = signer.issue("read", "component-1", 60, now=NOW)
    last = "A" if token[-1] != "A" else "B"
    with pytest.raises(TokenError):
        signer.verify(token[:-1] + last, "read", "component-1", now=NOW)


@pytest.mark.parametrize("token", ["", "abc", "123", ".abc", "12.", "x1.abc", "1.\u00e9"])
def test_malformed_tokens_are_refused(signer, token):
    with pytest.raises(TokenError):
        signer.verify(token, "read", "component-1", now=NOW)


def test_another_secret_does_not_accept_the_token(signer):
    token = signer.issue("read", "component-1", 60, now=NOW)
    with pytest.raises(TokenError):
        TokenSigner(b"t" * 32).verify(token, "read", "component-1", now=NOW)


def test_short_secrets_are_rejected():
    with pytest.raises(ValueError):
        TokenSigner(b"short")


def test_the_secret_is_kept_private_in_the_data_directory(tmp_path):
    first = TokenSigner.for_directory(tmp_path)
    token = first.issue("read", "component-1", 60)
    # A restarted server reading the same directory accepts tokens issued before.
    TokenSigner.for_directory(tmp_path).verify(token, "read", "component-1")
    mode = stat.S_IMODE(os.stat(tmp_path / SECRET_FILE).st_mode)
    if os.name == "posix":
        assert mode == 0o600
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(TokenError):
        TokenSigner.for_directory(other).verify(token, "read", "component-1")
