"""pocketstack.sdk connections over the in-process app (a Starlette TestClient is an
httpx.Client, so the SDK sends through it unchanged)."""

from __future__ import annotations

from starlette.testclient import TestClient

from pocketstack.sdk.connection import Connection
from pocketstack.sdk.transport import RetryPolicy

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
