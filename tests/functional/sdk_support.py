"""pocketstack.sdk connections over the in-process app (a Starlette TestClient is an
httpx.Client, so the SDK sends through it unchanged; httpx's ASGI transport serves the async
flavour)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.testclient import TestClient

from pocketstack.sdk.connection import AsyncConnection, Connection
from pocketstack.sdk.transport import RetryPolicy
from tests.conftest import DEMO_PASSWORD

AUTH_URL = "http://testserver/identity/v3"
NO_WAIT = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.05)


def connect(
    client: TestClient, user: str, password: str, project: str | None = None, **scope: str
) -> Connection:
    """A Connection as ``user``, scoped to ``project`` (or as ``scope`` says: system_scope=...)."""
    args: dict[str, str] = {"auth_url": AUTH_URL, "username": user, "password": password, **scope}
    if project is not None:
        args["project_name"] = project
    return Connection(client=client, retry=NO_WAIT, **args)


@asynccontextmanager
async def async_connect(client: TestClient) -> AsyncIterator[AsyncConnection]:
    """An AsyncConnection as the demo user in project demo, over the same app as ``client``."""
    transport = httpx.ASGITransport(app=client.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        AsyncConnection(
            client=http,
            retry=NO_WAIT,
            auth_url=AUTH_URL,
            username="demo",
            password=DEMO_PASSWORD,
            project_name="demo",
        ) as conn,
    ):
        yield conn
