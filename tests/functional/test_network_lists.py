"""Network v2 lists: filters, tag filters, fields, sorting and paging with links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.functional.network_support import NET, create, error, hdr, network_with_subnet, ok


def names(client: TestClient, token: str, query: str, collection: str = "networks") -> list[str]:
    return [r["name"] for r in ok(client.get(f"{NET}/{collection}?{query}", headers=hdr(token)))[collection]]


def make_networks(client: TestClient, token: str) -> dict[str, Any]:
    made = {}
    for name, tags, up in (("n-a", ["red", "big"], True), ("n-b", ["red"], False), ("n-c", [], True)):
        made[name] = create(client, token, "network", name=name, tags=tags, admin_state_up=up)
    return made


def test_filters(client: TestClient, demo_token: str) -> None:
    made = make_networks(client, demo_token)
    assert names(client, demo_token, "name=n-a") == ["n-a"]
    assert sorted(names(client, demo_token, "name=n-a&name=n-c")) == ["n-a", "n-c"]
    assert names(client, demo_token, "admin_state_up=false") == ["n-b"]
    assert names(client, demo_token, f"id={made['n-c']['id']}") == ["n-c"]
    project = made["n-a"]["project_id"]
    assert len(names(client, demo_token, f"tenant_id={project}&project_id={project}")) == 3
    assert names(client, demo_token, "name=") == []  # empty-string filtering
    body = error(client.get(f"{NET}/networks?colour=red", headers=hdr(demo_token)), 400, "HTTPBadRequest")
    assert "invalid attribute for filtering" in body["message"]
    error(client.get(f"{NET}/networks?tenant_id=a&project_id=b", headers=hdr(demo_token)), 400)
    error(client.get(f"{NET}/networks?mtu=big", headers=hdr(demo_token)), 400)


def test_tag_filters(client: TestClient, demo_token: str) -> None:
    make_networks(client, demo_token)
    assert sorted(names(client, demo_token, "tags=red")) == ["n-a", "n-b"]
    assert names(client, demo_token, "tags=red,big") == ["n-a"]
    assert sorted(names(client, demo_token, "tags-any=big,red")) == ["n-a", "n-b"]
    assert sorted(names(client, demo_token, "not-tags=red,big")) == ["n-b", "n-c"]
    assert names(client, demo_token, "not-tags-any=red") == ["n-c"]
    assert names(client, demo_token, "tags=red&tags=big") == ["n-a"]


def test_fields(client: TestClient, demo_token: str) -> None:
    made = make_networks(client, demo_token)
    listed = ok(client.get(f"{NET}/networks?fields=id&fields=name", headers=hdr(demo_token)))["networks"]
    assert all(set(n) == {"id", "name"} for n in listed)
    one = ok(client.get(f"{NET}/networks/{made['n-a']['id']}?fields=tags", headers=hdr(demo_token)))
    assert one == {"network": {"tags": ["big", "red"]}}


def test_sorting(client: TestClient, demo_token: str) -> None:
    make_networks(client, demo_token)
    assert names(client, demo_token, "sort_key=name&sort_dir=desc") == ["n-c", "n-b", "n-a"]
    by_state = names(client, demo_token, "sort_key=admin_state_up&sort_dir=asc&sort_key=name&sort_dir=desc")
    assert by_state == ["n-b", "n-c", "n-a"]
    error(client.get(f"{NET}/networks?sort_key=name", headers=hdr(demo_token)), 400)
    error(client.get(f"{NET}/networks?sort_key=subnets&sort_dir=asc", headers=hdr(demo_token)), 400)
    error(client.get(f"{NET}/networks?sort_key=name&sort_dir=up", headers=hdr(demo_token)), 400)


def _follow(client: TestClient, token: str, url: str, rel: str) -> tuple[list[str], str | None]:
    body = ok(client.get(url, headers=hdr(token)))
    link = next((li["href"] for li in body.get("networks_links", []) if li["rel"] == rel), None)
    parts = urlsplit(link) if link else None
    return [n["name"] for n in body["networks"]], f"{parts.path}?{parts.query}" if parts else None


def test_paging_forwards_and_backwards(client: TestClient, demo_token: str) -> None:
    for i in range(5):
        create(client, demo_token, "network", name=f"p{i}")
    url: str | None = f"{NET}/networks?limit=2&sort_key=name&sort_dir=asc"
    pages = []
    while url:
        page, url = _follow(client, demo_token, url, "next")
        pages.append(page)
    assert pages == [["p0", "p1"], ["p2", "p3"], ["p4"]]
    first = ok(client.get(f"{NET}/networks?limit=2&sort_key=name&sort_dir=asc", headers=hdr(demo_token)))
    assert [li["rel"] for li in first["networks_links"]] == ["next", "previous"]
    ids = {n["name"]: n["id"] for n in ok(client.get(f"{NET}/networks", headers=hdr(demo_token)))["networks"]}
    back = f"{NET}/networks?limit=2&sort_key=name&sort_dir=asc&marker={ids['p4']}&page_reverse=True"
    page, previous = _follow(client, demo_token, back, "previous")
    assert page == ["p2", "p3"]
    page, previous = _follow(client, demo_token, previous or "", "previous")
    assert page == ["p0", "p1"]
    assert ok(client.get(f"{NET}/networks?limit=0", headers=hdr(demo_token))).get("networks_links") is None
    error(client.get(f"{NET}/networks?limit=-1", headers=hdr(demo_token)), 400)
    error(client.get(f"{NET}/networks?limit=2&marker=nope", headers=hdr(demo_token)), 404, "NetworkNotFound")


def test_port_filters(client: TestClient, demo_token: str) -> None:
    net, sub = network_with_subnet(client, demo_token)
    one = create(client, demo_token, "port", network_id=net["id"], name="one", device_id="vm-1")
    create(client, demo_token, "port", network_id=net["id"], name="two", device_owner="compute:nova")
    address = one["fixed_ips"][0]["ip_address"]
    assert names(client, demo_token, f"fixed_ips=ip_address={address}", "ports") == ["one"]
    assert sorted(names(client, demo_token, f"fixed_ips=subnet_id={sub['id']}", "ports")) == ["one", "two"]
    assert names(client, demo_token, "fixed_ips=ip_address_substr=0.0.3", "ports") == ["two"]
    assert names(client, demo_token, "device_id=vm-1", "ports") == ["one"]
    assert names(client, demo_token, "device_owner=compute:nova", "ports") == ["two"]
    assert names(client, demo_token, f"mac_address={one['mac_address'].upper()}", "ports") == ["one"]
    assert sorted(names(client, demo_token, f"network_id={net['id']}", "ports")) == ["one", "two"]
    assert names(client, demo_token, "status=ACTIVE", "ports") == []
    error(client.get(f"{NET}/ports?fixed_ips=address=1", headers=hdr(demo_token)), 400)
    assert names(client, demo_token, f"network_id={net['id']}&cidr=10.0.0.0/24", "subnets") == [sub["name"]]


def test_agents_list_is_empty_and_an_agent_is_not_found(
    client: TestClient, demo_token: str, admin_token: str
) -> None:
    """pocketstack runs no Neutron agents: an empty list for everyone, 404 for any one."""
    for token in (demo_token, admin_token):
        resp = client.get("/network/v2.0/agents", headers={"X-Auth-Token": token})
        assert resp.status_code == 200 and resp.json() == {"agents": []}
    missing = client.get(f"/network/v2.0/agents/{'a' * 32}", headers={"X-Auth-Token": admin_token})
    assert missing.status_code == 404 and missing.json()["NeutronError"]["type"] == "AgentNotFound"
