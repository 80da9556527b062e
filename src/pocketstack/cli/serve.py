"""One API process: the cloud's ASGI app under uvicorn, on its own port or on a shared socket."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable

import uvicorn

from pocketstack.api.app import build_app, warm_up
from pocketstack.cloud import Cloud

KEEP_ALIVE_S = 75


class _Server(uvicorn.Server):
    """Calls ``on_ready`` only once the socket really listens."""

    on_ready: Callable[[], None] = staticmethod(lambda: None)

    async def startup(self, sockets=None) -> None:  # noqa: ANN001 - uvicorn's signature
        await super().startup(sockets=sockets)
        if self.started:
            self.on_ready()


_STOP_ASKED = threading.Event()


def quiet_signals() -> None:
    """uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler that
    was installed before it; a quiet one lets a clean stop end with status 0. A signal that
    comes before uvicorn installs its own handlers is remembered, and obeyed once it listens
    (a worker still starting when ``up`` is stopped would otherwise serve on)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: _STOP_ASKED.set())


def serve(cloud: Cloud, sockets: list[socket.socket] | None, on_ready: Callable[[], None]) -> None:
    app = build_app(cloud)

    def ready() -> None:
        if _STOP_ASKED.is_set():
            server.should_exit = True
        on_ready()
        threading.Thread(target=warm_up, args=(app,), name="warm-up", daemon=True).start()

    config = uvicorn.Config(
        app,
        host=cloud.settings.host,
        port=cloud.settings.port,
        access_log=False,
        log_level="warning",
        lifespan="off",
        # OpenStack's services keep an idle client connection for minutes (Nova's
        # client_socket_timeout is 900 s); uvicorn's 5 s would make clients that pool
        # connections (requests, keystoneauth) reconnect between calls a few seconds apart.
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    server = _Server(config)
    server.on_ready = ready
    server.run(sockets=sockets)  # on uvloop and httptools when installed, as uvicorn chooses
