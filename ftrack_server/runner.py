"""Run a :class:`LocalServer` with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Optional

import uvicorn

from ftrack_server.api.app import create_app
from ftrack_server.server import LocalServer

LOOPBACK = "127.0.0.1"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets of a
    # listening socket created with it; without it Nagle adds ~40 ms stalls.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _config(server: LocalServer, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(server),
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        ws="websockets-sansio",
        ws_ping_interval=None,
        timeout_graceful_shutdown=2,
    )


class BackgroundServer:
    """A served :class:`LocalServer` on a free (or given) port, on a daemon thread.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        server: Optional[LocalServer] = None,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.server = server or LocalServer()
        self._socket = _bind(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._uvicorn = uvicorn.Server(_config(self.server, self.host, self.port, log_level))
        self._uvicorn.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._uvicorn.run,
            kwargs={"sockets": [self._socket]},
            name=f"ftrack-server-{self.port}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"The local server did not start on {self.url}.")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._uvicorn.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()
        self.server.database.dispose()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def serve(
    server: LocalServer, host: str = LOOPBACK, port: int = 8080, log_level: str = "info"
) -> None:
    """Serve in the foreground until interrupted."""
    uvicorn.Server(_config(server, host, port, log_level)).run()
