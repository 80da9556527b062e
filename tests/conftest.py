"""Fixtures shared by the suite.

``backend`` runs a test once on SQLite and once on PostgreSQL (a throwaway server this suite
starts). Without PostgreSQL binaries the PostgreSQL runs are skipped, except under CI, where
they fail: CI installs PostgreSQL and must test it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PostgresServer, find_bindir

ADMIN_PASSWORD = "admin-secret-pw"
DEMO_PASSWORD = "demo-secret-pw"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing; .ci/run must install postgresql")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pocketstack.db'}"
    return request.getfixturevalue("postgres").create_database()
