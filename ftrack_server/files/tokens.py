"""Signed, expiring tokens that let a URL stand in for credentials.

Upload URLs, widget URLs and the URLs in ``url``/``thumbnail_url`` attributes are
used by programs that hold no API key (a browser, ``requests.put`` with only the
returned headers). Each carries a token ``<expiry>.<signature>``: the signature is
an HMAC-SHA256, under a secret only this server knows, of what the token allows
(``purpose``), what it applies to (``subject``, e.g. a component id) and the expiry.
The verifier recomputes it from the URL it was given, so a token cannot be reused
for another component, another purpose or a later time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Optional

SECRET_FILE = "token-secret"
SECRET_BYTES = 32


class TokenError(Exception):
    """A token that is malformed, forged, meant for something else or expired."""


class TokenSigner:
    """Issues and checks tokens under one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("A token secret needs at least 16 bytes.")
        self._secret = secret

    @classmethod
    def for_directory(cls, directory: Path) -> TokenSigner:
        """A signer whose secret is kept in ``directory`` (created on first use).

        Keeping it with the server's data means URLs handed out stay valid across a
        restart of a persistent site until they expire.
        """
        path = Path(directory) / SECRET_FILE
        try:
            secret = path.read_bytes()
        except FileNotFoundError:
            secret = b""
        if len(secret) < SECRET_BYTES:
            secret = secrets.token_bytes(SECRET_BYTES)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(secret)
        return cls(secret)

    def issue(
        self, purpose: str, subject: str, lifetime: float, *, now: Optional[float] = None
    ) -> str:
        """Return a token allowing ``purpose`` on ``subject`` for ``lifetime`` seconds."""
        expires = int((time.time() if now is None else now) + lifetime)
        return f"{expires}.{self._signature(purpose, subject, expires)}"

    def verify(
        self, token: str, purpose: str, subject: str, *, now: Optional[float] = None
    ) -> None:
        """Raise :class:`TokenError` unless ``token`` allows ``purpose`` on ``subject`` now."""
        expires_text, _, signature = (token or "").partition(".")
        if not expires_text.isdigit() or not signature:
            raise TokenError("The token is malformed.")
        expires = int(expires_text)
        expected = self._signature(purpose, subject, expires)
        if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode("ascii")):
            raise TokenError("The token is not valid for this resource.")
        if (time.time() if now is None else now) > expires:
            raise TokenError("The token has expired.")

    def _signature(self, purpose: str, subject: str, expires: int) -> str:
        message = "\n".join((purpose, subject, str(expires))).encode("utf-8")
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
