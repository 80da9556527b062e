"""Swift API internal requests (what the large-object, bulk and S3 layers send through
``subrequest``): only they may set and see system metadata."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from pocketstack.api.app import _object_store
from pocketstack.api.object_v1.caller import Caller
from pocketstack.api.object_v1.subrequest import subrequest
from pocketstack.cloud import Cloud
from tests.functional.object_api_support import Swift, account_of


def test_sysmeta_only_for_internal_requests(
    client: TestClient, cloud: Cloud, admin_token: str, demo_token: str
) -> None:
    demo = Swift(client, account_of(client, admin_token, "demo"), demo_token)
    demo.request("PUT", "c")
    app = _object_store(cloud).authorized
    parent = {"type": "http", "root_path": "/object-store", "path": "/object-store/"}
    owner = Caller(None, grant="tempurl", grant_account=demo.account)
    base = f"/v1/{demo.account}/c"

    async def run() -> tuple[dict[str, str], dict[str, str]]:
        put = await subrequest(
            app, parent, "PUT", f"{base}/o", headers={"X-Object-Sysmeta-Mark": "m"}, body=b"x", caller=owner
        )
        assert put.status == 201, put.body
        post = await subrequest(
            app, parent, "POST", base, headers={"X-Container-Sysmeta-Mark": "k"}, caller=owner
        )
        assert post.status == 204, post.body
        obj = await subrequest(app, parent, "HEAD", f"{base}/o", caller=owner)
        container = await subrequest(app, parent, "HEAD", base, caller=owner)
        return obj.headers, container.headers

    obj, container = asyncio.run(run())
    assert obj["x-object-sysmeta-mark"] == "m"
    assert container["x-container-sysmeta-mark"] == "k"
    assert "X-Object-Sysmeta-Mark" not in demo.request("HEAD", "c/o").headers
    assert "X-Container-Sysmeta-Mark" not in demo.request("HEAD", "c").headers
    demo.request("POST", "c/o", headers={"X-Object-Meta-New": "1"})

    async def again() -> dict[str, str]:
        return (await subrequest(app, parent, "HEAD", f"{base}/o", caller=owner)).headers

    assert asyncio.run(again())["x-object-sysmeta-mark"] == "m"  # a client's POST keeps it
