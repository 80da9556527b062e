"""pocketstack.sdk over the in-process app, on SQLite only: what these tests check is the SDK's
side of the wire, which the database behind the app does not change (the app's own functional
tests cover both databases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pocketstack.sdk.connection import Connection
from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD
from tests.functional import sdk_support


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pocketstack.db'}"


@pytest.fixture
def sdk(client: TestClient) -> Connection:
    """pocketstack.sdk as the demo user in the demo project (a member)."""
    return sdk_support.connect(client, "demo", DEMO_PASSWORD, "demo")


@pytest.fixture
def sdk_admin(client: TestClient) -> Connection:
    """pocketstack.sdk as the admin user in the admin project."""
    return sdk_support.connect(client, "admin", ADMIN_PASSWORD, "admin")
