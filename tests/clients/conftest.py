"""Fixtures for the real-client tests: a clients' virtualenv, and a running pocketstack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.harness import ClientRunner, Server, clients_venv, start_server


@pytest.fixture(scope="session")
def venv() -> Path:
    return clients_venv()


def stop_cleanly(server: Server) -> None:
    code = server.stop()
    errors = server.server_errors()
    assert not errors, "the server answered 5xx or crashed:\n" + "".join(errors)
    assert code == 0, f"pocketstack exited {code} on SIGTERM:\n{server.text()}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("pocketstack"))
    yield srv
    stop_cleanly(srv)


@pytest.fixture(scope="module")
def cli(venv: Path, server: Server) -> ClientRunner:
    return ClientRunner(venv, server)
