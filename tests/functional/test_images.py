"""The image metadata API: create, list, show, PATCH, tags, delete, (de)activate, members,
schemas and info, with Glance's codes."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers, issue_token
from tests.functional.image_support import IMAGES, create_image, show, upload

PATCH21 = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
PATCH20 = {"Content-Type": "application/openstack-images-v2.0-json-patch"}


def patch(client: TestClient, token: str, image_id: str, ops: list, media: dict = PATCH21):  # noqa: ANN201
    return client.patch(f"{IMAGES}/{image_id}", json=ops, headers={**auth_headers(token), **media})


def names(client: TestClient, token: str, query: str = "") -> list[str]:
    resp = client.get(f"{IMAGES}{query}", headers=auth_headers(token))
    assert resp.status_code == 200, resp.text
    return [i["name"] for i in resp.json()["images"]]


def test_create_answers_201_with_location_and_glance_fields(client: TestClient, demo_token: str) -> None:
    resp = client.post(
        IMAGES,
        json={
            "name": "u1",
            "disk_format": "qcow2",
            "container_format": "bare",
            "tags": ["a"],
            "os_distro": "x",
        },
        headers=auth_headers(demo_token),
    )
    assert resp.status_code == 201
    body = resp.json()
    assert resp.headers["Location"].endswith(f"/image/v2/images/{body['id']}")
    assert "glance-direct" in resp.headers["OpenStack-image-import-methods"]
    assert body["status"] == "queued" and body["visibility"] == "shared" and body["size"] is None
    assert body["tags"] == ["a"] and body["os_distro"] == "x"
    assert body["self"] == f"/v2/images/{body['id']}" and body["file"].endswith("/file")
    assert body["schema"] == "/v2/schemas/image" and body["created_at"].endswith("Z")


def test_create_refuses_read_only_reserved_and_bad_values(client: TestClient, demo_token: str) -> None:
    h = auth_headers(demo_token)
    for body, code in [
        ({"status": "active"}, 403),
        ({"checksum": "x"}, 403),
        ({"os_glance_importing_to_stores": "x"}, 403),
        ({"deleted": True}, 403),
        ({"disk_format": "floppy"}, 400),
        ({"container_format": "zip"}, 400),
        ({"min_ram": -1}, 400),
        ({"min_ram": "2"}, 400),
        ({"min_disk": 2**31}, 400),
        ({"min_ram": 2**63}, 400),
        ({"prop": 1}, 400),
        ({"visibility": "public"}, 403),
        ({"visibility": "everyone"}, 400),
        ({"id": "not-a-uuid"}, 400),
        ({"os_distro": "x" * 65_536}, 400),
        ({"x" * 256: "v"}, 400),
    ]:
        assert client.post(IMAGES, json=body, headers=h).status_code == code, body
    assert names(client, demo_token) == []


def test_duplicate_id_is_409(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token)
    resp = client.post(IMAGES, json={"id": image_id}, headers=auth_headers(demo_token))
    assert resp.status_code == 409


def test_list_filters_sort_and_paging(client: TestClient, demo_token: str) -> None:
    for i, fmt in enumerate(["raw", "qcow2", "raw", "iso"]):
        create_image(client, demo_token, name=f"img{i}", disk_format=fmt, tags=[f"t{i % 2}"])
    assert names(client, demo_token, "?disk_format=raw&sort=name:asc") == ["img0", "img2"]
    assert names(client, demo_token, "?name=in:img1,img3&sort_key=name&sort_dir=asc") == ["img1", "img3"]
    assert names(client, demo_token, "?tag=t1&sort=name:asc") == ["img1", "img3"]
    assert names(client, demo_token, "?sort_key=name&sort_dir=desc") == ["img3", "img2", "img1", "img0"]
    assert names(client, demo_token, "?created_at=lt:2000-01-01T00:00:00Z") == []
    assert len(names(client, demo_token, "?created_at=gte:2000-01-01T00:00:00Z")) == 4
    first = client.get(f"{IMAGES}?limit=3&sort=name:asc", headers=auth_headers(demo_token)).json()
    assert [i["name"] for i in first["images"]] == ["img0", "img1", "img2"]
    assert first["next"].startswith("/v2/images?") and "marker=" in first["next"]
    rest = client.get(f"/image{first['next']}", headers=auth_headers(demo_token)).json()
    assert [i["name"] for i in rest["images"]] == ["img3"] and "next" not in rest
    for bad in (
        "?marker=nope",
        "?limit=x",
        "?sort_key=colour",
        "?sort_dir=up&sort_key=name",
        "?created_at=about:2020",
        "?visibility=everyone",
        "?size_min=-1",
        "?size_max=9223372036854775808",
        "?limit=99999999999999999999",
    ):
        assert client.get(f"{IMAGES}{bad}", headers=auth_headers(demo_token)).status_code == 400, bad


def test_property_and_hidden_filters(client: TestClient, demo_token: str) -> None:
    create_image(client, demo_token, name="ubuntu", os_distro="ubuntu")
    create_image(client, demo_token, name="hidden", os_hidden=True)
    assert names(client, demo_token, "?os_distro=ubuntu") == ["ubuntu"]
    assert names(client, demo_token) == ["ubuntu"]
    assert names(client, demo_token, "?os_hidden=true") == ["hidden"]


def test_patch_v21_and_v20(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token, name="before")
    ops = [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "add", "path": "/k", "value": "v"},
        {"op": "add", "path": "/tags", "value": ["x", "y"]},
        {"op": "replace", "path": "/min_ram", "value": 512},
    ]
    resp = patch(client, demo_token, image_id, ops)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["name"], body["k"], body["tags"], body["min_ram"]) == ("after", "v", ["x", "y"], 512)
    resp = patch(client, demo_token, image_id, [{"remove": "/k"}], PATCH20)
    assert resp.status_code == 200 and "k" not in resp.json()


def test_patch_refusals(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token, name="keep")
    resp = client.patch(
        f"{IMAGES}/{image_id}",
        json=[],
        headers={**auth_headers(demo_token), "Content-Type": "application/json"},
    )
    assert resp.status_code == 415
    assert "openstack-images-v2.1-json-patch" in resp.headers["Accept-Patch"]
    for ops, code in [
        ([{"op": "replace", "path": "/status", "value": "active"}], 403),
        ([{"op": "add", "path": "/os_glance_x", "value": "1"}], 403),
        ([{"op": "replace", "path": "/visibility", "value": "public"}], 403),
        ([{"op": "remove", "path": "/missing"}], 409),
        ([{"op": "move", "path": "/name", "value": "x"}], 400),
        ([{"op": "replace", "path": "/name"}], 400),
        ([{"op": "replace", "path": "/a/b", "value": "x"}], 400),
        ({"op": "replace"}, 400),
        ([{"op": "add", "path": "/long", "value": "v" * 65_536}], 400),
    ]:
        assert patch(client, demo_token, image_id, ops).status_code == code, ops
    assert show(client, demo_token, image_id)["name"] == "keep"


def test_formats_change_only_while_queued(client: TestClient, demo_token: str) -> None:
    image_id = create_image(client, demo_token)
    assert upload(client, demo_token, image_id, b"\0" * 4096).status_code == 204
    ops = [{"op": "replace", "path": "/disk_format", "value": "qcow2"}]
    assert patch(client, demo_token, image_id, ops).status_code == 403


def test_tags_protected_delete_and_deactivate(client: TestClient, demo_token: str, admin_token: str) -> None:
    h = auth_headers(demo_token)
    image_id = create_image(client, demo_token, protected=True)
    assert client.put(f"{IMAGES}/{image_id}/tags/blue", headers=h).status_code == 204
    assert show(client, demo_token, image_id)["tags"] == ["blue"]
    assert client.delete(f"{IMAGES}/{image_id}/tags/green", headers=h).status_code == 404
    assert client.delete(f"{IMAGES}/{image_id}/tags/blue", headers=h).status_code == 204
    assert client.delete(f"{IMAGES}/{image_id}", headers=h).status_code == 403
    deact = f"{IMAGES}/{image_id}/actions/deactivate"
    assert client.post(deact, headers=h).status_code == 403  # queued: nothing to deactivate
    assert upload(client, demo_token, image_id, b"\0" * 512).status_code == 204
    assert client.post(deact, headers=h).status_code == 204
    assert show(client, demo_token, image_id)["status"] == "deactivated"
    assert client.post(f"{IMAGES}/{image_id}/actions/reactivate", headers=h).status_code == 204
    assert (
        patch(
            client, demo_token, image_id, [{"op": "replace", "path": "/protected", "value": False}]
        ).status_code
        == 200
    )
    assert client.delete(f"{IMAGES}/{image_id}", headers=h).status_code == 204
    assert client.get(f"{IMAGES}/{image_id}", headers=h).status_code == 404


def test_public_community_and_private_visibility(
    client: TestClient, demo_token: str, admin_token: str
) -> None:
    public = create_image(client, admin_token, name="pub", visibility="public")
    community = create_image(client, admin_token, name="com", visibility="community")
    private = create_image(client, admin_token, name="priv", visibility="private")
    assert "pub" in names(client, demo_token) and "com" not in names(client, demo_token)
    assert names(client, demo_token, "?visibility=community") == ["com"]
    assert show(client, demo_token, community)["name"] == "com"
    assert client.get(f"{IMAGES}/{private}", headers=auth_headers(demo_token)).status_code == 404
    ops = [{"op": "replace", "path": "/name", "value": "mine"}]
    assert patch(client, demo_token, public, ops).status_code == 403
    assert client.delete(f"{IMAGES}/{public}", headers=auth_headers(demo_token)).status_code == 403
    assert show(client, admin_token, public)["name"] == "pub"


def member_url(image_id: str, member: str = "") -> str:
    return f"{IMAGES}/{image_id}/members" + (f"/{member}" if member else "")


def project_id(client: TestClient, token: str) -> str:
    resp = client.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    return resp.json()["token"]["project"]["id"]


def test_members_share_accept_and_reject(client: TestClient, demo_token: str, admin_token: str) -> None:
    demo_project = project_id(client, demo_token)
    a = auth_headers(admin_token)
    d = auth_headers(demo_token)
    private = create_image(client, admin_token, name="p", visibility="private")
    assert client.post(member_url(private), json={"member": demo_project}, headers=a).status_code == 403
    shared = create_image(client, admin_token, name="s", visibility="shared")
    assert client.get(f"{IMAGES}/{shared}", headers=d).status_code == 404
    resp = client.post(member_url(shared), json={"member": demo_project}, headers=a)
    assert resp.status_code == 200 and resp.json()["status"] == "pending"
    assert client.post(member_url(shared), json={"member": demo_project}, headers=a).status_code == 409
    assert show(client, demo_token, shared)["name"] == "s"
    assert "s" not in names(client, demo_token)
    assert "s" in names(client, demo_token, "?member_status=pending")
    assert (
        client.put(member_url(shared, demo_project), json={"status": "maybe"}, headers=d).status_code == 400
    )
    resp = client.put(member_url(shared, demo_project), json={"status": "accepted"}, headers=d)
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    assert "s" in names(client, demo_token)
    listed = client.get(member_url(shared), headers=d).json()
    assert [m["member_id"] for m in listed["members"]] == [demo_project]
    assert client.delete(member_url(shared, demo_project), headers=d).status_code == 403
    assert (
        client.put(member_url(shared, demo_project), json={"status": "rejected"}, headers=d).status_code
        == 200
    )
    assert "s" not in names(client, demo_token)
    assert client.delete(member_url(shared, demo_project), headers=a).status_code == 204
    assert client.get(f"{IMAGES}/{shared}", headers=d).status_code == 404


def test_schemas_and_info(client: TestClient, demo_token: str) -> None:
    h = auth_headers(demo_token)
    image: dict[str, Any] = client.get("/image/v2/schemas/image", headers=h).json()
    assert image["name"] == "image" and image["additionalProperties"] == {"type": "string"}
    assert "raw" in image["properties"]["disk_format"]["enum"]
    assert image["properties"]["status"]["readOnly"] is True
    assert (
        client.get("/image/v2/schemas/images", headers=h).json()["properties"]["images"]["items"]["name"]
        == "image"
    )
    assert client.get("/image/v2/schemas/members", headers=h).status_code == 200
    assert "glance-direct" in client.get("/image/v2/info/import", headers=h).json()["import-methods"]["value"]
    stores = client.get("/image/v2/info/stores", headers=h).json()["stores"]
    assert stores[0]["default"] is True
    image_id = create_image(client, demo_token)
    upload(client, demo_token, image_id, b"x" * 1000)
    usage = client.get("/image/v2/info/usage", headers=h).json()["usage"]
    assert usage["image_size_total"]["usage"] == 1000 and usage["image_count_total"]["usage"] == 1


def test_a_reader_may_read_but_not_write(client: TestClient, admin_token: str) -> None:
    a = auth_headers(admin_token)
    project = client.post("/identity/v3/projects", json={"project": {"name": "ro"}}, headers=a).json()[
        "project"
    ]
    user = client.post(
        "/identity/v3/users", json={"user": {"name": "ro", "password": "ro-pw"}}, headers=a
    ).json()["user"]
    reader = client.get("/identity/v3/roles?name=reader", headers=a).json()["roles"][0]
    client.put(f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/{reader['id']}", headers=a)
    token = issue_token(client, "ro", "ro-pw", "ro")
    assert client.get(IMAGES, headers=auth_headers(token)).status_code == 200
    assert client.post(IMAGES, json={"name": "x"}, headers=auth_headers(token)).status_code == 403


def test_version_discovery(client: TestClient) -> None:
    root = client.get("/image")
    assert root.status_code == 300
    versions = root.json()["versions"]
    current = [v for v in versions if v["status"] == "CURRENT"]
    assert [v["id"] for v in current] == ["v2.17"]  # the locations API is the newest served
    supported = [v["id"] for v in versions if v["status"] == "SUPPORTED"]
    assert "v2.16" in supported and "v2.0" in supported and "v2.18" not in supported
    assert current[0]["links"][0]["href"] == "http://testserver/image/v2/"
    assert client.get("/image/versions").json() == root.json()
