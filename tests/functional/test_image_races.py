"""Racing requests on one image: adding the same tag or the same member from many clients at
once gives the answers a single request would (never a 500 from a duplicate key)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.image_support import IMAGES, create_image, show

RACERS = 16


def _race(call) -> list[int]:  # noqa: ANN001 - a no-argument callable returning a response
    with ThreadPoolExecutor(RACERS) as pool:
        return [r.status_code for r in pool.map(lambda _: call(), range(RACERS))]


def test_the_same_tag_added_at_once_is_idempotent(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token, name="tagged")
    url = f"{IMAGES}/{image_id}/tags/blue"
    codes = _race(lambda: client.put(url, headers=auth_headers(demo_token)))
    assert codes == [204] * RACERS
    assert show(client, demo_token, image_id)["tags"] == ["blue"]


def test_the_same_member_added_at_once_is_one_201_and_409s(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    image_id = create_image(client, admin_token, name="shared", visibility="shared")
    demo = client.get(
        "/identity/v3/auth/tokens", headers={"X-Auth-Token": demo_token, "X-Subject-Token": demo_token}
    )
    member = demo.json()["token"]["project"]["id"]
    url = f"{IMAGES}/{image_id}/members"
    codes = _race(lambda: client.post(url, json={"member": member}, headers=auth_headers(admin_token)))
    assert sorted(codes) == [200] + [409] * (RACERS - 1)
    listed = client.get(url, headers=auth_headers(admin_token)).json()["members"]
    assert [m["member_id"] for m in listed] == [member]
