"""Metadata definitions (/v2/metadefs): Glance's default namespaces, namespace CRUD with
visibility and protection, objects, properties, tags, resource type associations, schemas."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers

NS = "/image/v2/metadefs/namespaces"


def _create(client: TestClient, token: str, name: str, **fields: object) -> dict:
    resp = client.post(NS, json={"namespace": name, **fields}, headers=auth_headers(token))
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_default_namespaces_are_loaded_and_readable_by_members(client: TestClient, demo_token: str) -> None:
    resp = client.get(NS, headers=auth_headers(demo_token))
    assert resp.status_code == 200
    body = resp.json()
    names = {n["namespace"] for n in body["namespaces"]}
    assert {"OS::Compute::Libvirt", "OS::Compute::VirtCPUTopology", "OS::Glance::Signatures"} <= names
    assert body["schema"] == "/v2/schemas/metadefs/namespaces"
    libvirt = client.get(NS + "/OS::Compute::Libvirt", headers=auth_headers(demo_token)).json()
    assert libvirt["owner"] == "admin" and libvirt["protected"] is True
    assert "hw_serial_port_count" not in libvirt["properties"]
    assert libvirt["properties"]["serial_port_count"]["type"] == "integer"
    image_assoc = [a for a in libvirt["resource_type_associations"] if a["name"] == "OS::Glance::Image"]
    assert image_assoc[0]["prefix"] == "hw_"
    prefixed = client.get(
        NS + "/OS::Compute::Libvirt",
        params={"resource_type": "OS::Glance::Image"},
        headers=auth_headers(demo_token),
    ).json()
    assert "hw_serial_port_count" in prefixed["properties"]
    types = client.get("/image/v2/metadefs/resource_types", headers=auth_headers(demo_token)).json()
    assert types["resource_types"][0]["name"] == "OS::Glance::Image"


def test_namespace_lifecycle_protection_and_rename(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    created = _create(
        client,
        admin_token,
        "Test::One",
        visibility="public",
        protected=True,
        display_name="One",
        resource_type_associations=[{"name": "OS::Glance::Image", "prefix": "one_"}],
        properties={"speed": {"title": "Speed", "type": "integer", "minimum": 1}},
        tags=[{"name": "fast"}],
    )
    assert created["self"] == "/v2/metadefs/namespaces/Test::One"
    assert created["properties"]["speed"]["minimum"] == 1
    assert created["tags"] == [{"name": "fast"}]
    assert client.post(NS, json={"namespace": "Test::One"}, headers=h).status_code == 409
    resp = client.delete(NS + "/Test::One", headers=h)
    assert resp.status_code == 403 and "protected" in resp.json()["error"]["message"]
    assert client.delete(NS + "/Test::One/properties/speed", headers=h).status_code == 403
    updated = client.put(NS + "/Test::One", json={"namespace": "Test::Two", "protected": False}, headers=h)
    assert updated.status_code == 200, updated.text
    assert updated.json()["visibility"] == "private" and updated.json()["protected"] is False
    assert client.get(NS + "/Test::One", headers=h).status_code == 404
    assert client.get(NS + "/Test::Two/properties/speed", headers=h).json()["title"] == "Speed"
    assert client.delete(NS + "/Test::Two", headers=h).status_code == 204
    assert client.get(NS + "/Test::Two", headers=h).status_code == 404


def test_bad_namespace_bodies(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    assert client.post(NS, json={"display_name": "x"}, headers=h).status_code == 400
    assert client.post(NS, json={"namespace": "x", "visibility": "shared"}, headers=h).status_code == 400
    assert client.post(NS, json={"namespace": "x", "bogus": 1}, headers=h).status_code == 400
    assert client.post(NS, json={"namespace": "x", "self": "/y"}, headers=h).status_code == 403
    bad_prop = {"namespace": "x", "properties": {"p": {"title": "P"}}}
    assert client.post(NS, json=bad_prop, headers=h).status_code == 400
    assert client.get(NS, params={"sort_dir": "sideways"}, headers=h).status_code == 400


def test_members_cannot_write_and_private_namespaces_stay_private(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    demo = auth_headers(demo_token)
    resp = client.post(NS, json={"namespace": "Demo::Mine"}, headers=demo)
    assert resp.status_code == 403
    _create(client, admin_token, "Admin::Secret", visibility="private")
    assert client.get(NS + "/Admin::Secret", headers=demo).status_code == 404
    assert client.get(NS + "/Admin::Secret/objects", headers=demo).status_code == 404
    listed = {n["namespace"] for n in client.get(NS, headers=demo).json()["namespaces"]}
    assert "Admin::Secret" not in listed
    admin_listed = client.get(NS, params={"visibility": "private"}, headers=auth_headers(admin_token)).json()
    assert [n["namespace"] for n in admin_listed["namespaces"]] == ["Admin::Secret"]
    assert client.delete(NS + "/OS::Compute::Libvirt", headers=demo).status_code == 403


def test_objects_properties_and_tags(client: TestClient, admin_token: str) -> None:
    h = auth_headers(admin_token)
    _create(client, admin_token, "Test::Things", visibility="public")
    base = NS + "/Test::Things"
    obj = client.post(
        base + "/objects",
        json={
            "name": "CPU Limits",
            "required": ["period"],
            "properties": {"period": {"title": "P", "type": "integer"}},
        },
        headers=h,
    )
    assert obj.status_code == 201, obj.text
    assert obj.json()["self"] == "/v2/metadefs/namespaces/Test::Things/objects/CPU%20Limits"
    assert client.post(base + "/objects", json={"name": "CPU Limits"}, headers=h).status_code == 409
    renamed = client.put(base + "/objects/CPU Limits", json={"name": "Limits"}, headers=h)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Limits"
    assert [o["name"] for o in client.get(base + "/objects", headers=h).json()["objects"]] == ["Limits"]

    prop = {"name": "hypervisor_type", "title": "Hypervisor", "type": "string", "enum": ["kvm", "qemu"]}
    assert client.post(base + "/properties", json=prop, headers=h).status_code == 201
    shown = client.get(base + "/properties/hypervisor_type", headers=h).json()
    assert shown == prop
    listed = client.get(base + "/properties", headers=h).json()["properties"]
    assert listed == {"hypervisor_type": {k: v for k, v in prop.items() if k != "name"}}
    assert (
        client.post(base + "/properties", json={"name": "p", "type": "string"}, headers=h).status_code == 400
    )

    tags = client.post(base + "/tags", json={"tags": [{"name": "a"}, {"name": "b"}]}, headers=h)
    assert tags.status_code == 201 and tags.json() == {"tags": [{"name": "a"}, {"name": "b"}]}
    # Without X-Openstack-Append the list replaces; with it, tags are added (a clash is a 409).
    client.post(base + "/tags", json={"tags": [{"name": "c"}]}, headers=h)
    assert [t["name"] for t in client.get(base + "/tags", headers=h).json()["tags"]] == ["c"]
    appended = client.post(
        base + "/tags", json={"tags": [{"name": "d"}]}, headers={**h, "X-Openstack-Append": "true"}
    )
    assert appended.status_code == 201
    clash = client.post(
        base + "/tags", json={"tags": [{"name": "d"}]}, headers={**h, "X-Openstack-Append": "true"}
    )
    assert clash.status_code == 409
    assert client.post(base + "/tags/e", headers=h).status_code == 201
    assert client.put(base + "/tags/e", json={"name": "f"}, headers=h).json()["name"] == "f"
    assert [t["name"] for t in client.get(base + "/tags", headers=h).json()["tags"]] == ["c", "d", "f"]
    assert client.delete(base + "/tags/f", headers=h).status_code == 204
    assert client.delete(base + "/tags", headers=h).status_code == 204
    assert client.get(base + "/tags", headers=h).json()["tags"] == []

    assoc = client.post(
        base + "/resource_types", json={"name": "OS::Nova::Flavor", "prefix": "hw:"}, headers=h
    )
    assert assoc.status_code == 201 and assoc.json()["prefix"] == "hw:"
    again = client.post(base + "/resource_types", json={"name": "OS::Nova::Flavor"}, headers=h)
    assert again.status_code == 409
    assocs = client.get(base + "/resource_types", headers=h).json()["resource_type_associations"]
    assert [a["name"] for a in assocs] == ["OS::Nova::Flavor"]
    assert client.delete(base + "/resource_types/OS::Nova::Flavor", headers=h).status_code == 204
    assert client.delete(base + "/resource_types/OS::Nova::Flavor", headers=h).status_code == 404
    assert client.delete(NS + "/Test::Things", headers=h).status_code == 204


def test_metadef_schemas(client: TestClient, demo_token: str) -> None:
    expected = {
        "namespace": "namespace",
        "namespaces": "namespaces",
        "object": "object",
        "objects": "objects",
        "property": "property",
        "properties": "properties",
        "tag": "tag",
        "tags": "tags",
        "resource_type": "resource_type_association",
        "resource_types": "resource_type_associations",
    }
    for path, name in expected.items():
        resp = client.get(f"/image/v2/schemas/metadefs/{path}", headers=auth_headers(demo_token))
        assert resp.status_code == 200 and resp.json()["name"] == name
    assert client.get("/image/v2/schemas/metadefs/bogus", headers=auth_headers(demo_token)).status_code == 404
