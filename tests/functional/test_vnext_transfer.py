"""Compute vNext: transferring a server to another project with ``PATCH project_id``
(docs/compute-vnext.md §6.7): quota usage, ports and history move with it, refusals change
nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from httpx import Response
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from tests.conftest import DEMO_PASSWORD
from tests.functional import network_support
from tests.functional.conftest import auth_headers, issue_token
from tests.functional.network_support import NET, create, network_with_subnet, ok, project_of
from tests.functional.test_compute_servers import API, hdr, wait

V = "/compute/vnext"
V3 = "/identity/v3"
public_network = network_support.public_network  # a fixture


@pytest.fixture
def image_id(cloud: Cloud) -> str:
    return seed_first_image(cloud.db, cloud.image_data)


@pytest.fixture
def bee(client: TestClient, admin_token: str) -> str:
    """A second project, ``bee``, where demo holds no role yet."""
    made = client.post(f"{V3}/projects", json={"project": {"name": "bee"}}, headers=auth_headers(admin_token))
    assert made.status_code == 201, made.text
    return made.json()["project"]["id"]


def grant_demo(client: TestClient, admin_token: str, project_id: str) -> str:
    """Make demo a member of ``project_id``; a demo token scoped there."""
    admin = auth_headers(admin_token)
    user = client.get(f"{V3}/users?name=demo", headers=admin).json()["users"][0]["id"]
    role = client.get(f"{V3}/roles?name=member", headers=admin).json()["roles"][0]["id"]
    resp = client.put(f"{V3}/projects/{project_id}/users/{user}/roles/{role}", headers=admin)
    assert resp.status_code == 204, resp.text
    return issue_token(client, "demo", DEMO_PASSWORD, "bee")


@pytest.fixture
def shared_net(client: TestClient, admin_token: str) -> str:
    net = create(client, admin_token, "network", name="everyone", shared=True)
    create(client, admin_token, "subnet", network_id=net["id"], ip_version=4, cidr="10.30.0.0/24")
    return net["id"]


def boot(client: TestClient, token: str, image_id: str, networks: Any, name: str = "s", **top: Any) -> str:
    body = {"server": {"name": name, "imageRef": image_id, "flavorRef": "1", "networks": networks}, **top}
    resp = client.post(f"{API}/servers", json=body, headers=hdr(token))
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    wait(client, token, sid, "ACTIVE")
    return sid


def transfer(client: TestClient, token: str, sid: str, project_id: Any, **more: Any) -> Response:
    return client.patch(
        f"{V}/servers/{sid}", json={"project_id": project_id, **more}, headers=auth_headers(token)
    )


def error(resp: Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    return resp.json()["errors"][0]


def limits(client: TestClient, token: str) -> tuple[int, int]:
    absolute = client.get(f"{API}/limits", headers=hdr(token)).json()["limits"]["absolute"]
    return absolute["totalInstancesUsed"], absolute["totalCoresUsed"]


def ports(client: TestClient, admin_token: str, sid: str) -> list[dict[str, Any]]:
    resp = client.get(f"{NET}/ports", params={"device_id": sid}, headers=auth_headers(admin_token))
    return ok(resp)["ports"]


def owner(client: TestClient, admin_token: str, sid: str) -> str:
    return client.get(f"{V}/servers/{sid}", headers=auth_headers(admin_token)).json()["project_id"]


def test_a_member_of_both_projects_moves_a_server_with_its_port_usage_and_history(
    client: TestClient,
    cloud: Cloud,
    demo_token: str,
    admin_token: str,
    image_id: str,
    bee: str,
    shared_net: str,
) -> None:
    bee_token = grant_demo(client, admin_token, bee)
    demo = project_of(client, demo_token)
    sid = boot(client, demo_token, image_id, [{"uuid": shared_net}], "mover")
    (before,) = ports(client, admin_token, sid)
    assert before["project_id"] == demo
    assert limits(client, demo_token) == (1, 1) and limits(client, bee_token) == (0, 0)

    resp = transfer(client, demo_token, sid, bee)  # a token of the source project
    assert resp.status_code == 200, resp.text
    shown = resp.json()
    assert shown["id"] == sid and shown["project_id"] == bee and shown["hostname"] == "mover"

    listed = client.get(f"{V}/projects/{bee}/servers", headers=auth_headers(bee_token)).json()["servers"]
    assert [s["id"] for s in listed] == [sid]
    in_bee = client.get(f"{API}/servers", headers=hdr(bee_token)).json()["servers"]
    assert [s["id"] for s in in_bee] == [sid]
    assert client.get(f"{API}/servers", headers=hdr(demo_token)).json()["servers"] == []
    assert client.get(f"{API}/servers/{sid}", headers=hdr(demo_token)).status_code == 404
    assert limits(client, demo_token) == (0, 0) and limits(client, bee_token) == (1, 1)

    (after,) = ports(client, admin_token, sid)
    assert after["id"] == before["id"] and after["project_id"] == bee and after["tenant_id"] == bee
    assert after["fixed_ips"] == before["fixed_ips"] and after["status"] == before["status"]
    groups = ok(
        client.get(
            f"{NET}/security-groups",
            params={"project_id": bee, "name": "default"},
            headers=auth_headers(admin_token),
        )
    )["security_groups"]
    assert after["security_groups"] == [groups[0]["id"]]
    server = client.get(f"{API}/servers/{sid}", headers=hdr(bee_token)).json()["server"]
    assert server["security_groups"] == [{"name": "default"}] and server["tenant_id"] == bee

    history = client.get(f"{V}/servers/{sid}/tasks", headers=auth_headers(bee_token)).json()["tasks"]
    assert history[0]["action"] == "TRANSFER" and history[0]["state"] == "SUCCEEDED"
    assert history[0]["parameters"] == {"from_project_id": demo, "to_project_id": bee}
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=hdr(bee_token)).json()
    assert [a["action"] for a in actions["instanceActions"]] == ["transfer", "create"]
    assert actions["instanceActions"][0]["request_id"] == history[0]["request_id"]

    # And back again, from a token of the new project.
    back = transfer(client, bee_token, sid, demo)
    assert back.status_code == 200 and back.json()["project_id"] == demo
    assert limits(client, demo_token) == (1, 1) and limits(client, bee_token) == (0, 0)
    assert ports(client, admin_token, sid)[0]["project_id"] == demo


def test_no_role_on_the_destination_is_403_and_changes_nothing(
    client: TestClient, demo_token: str, admin_token: str, image_id: str, bee: str, shared_net: str
) -> None:
    demo = project_of(client, demo_token)
    sid = boot(client, demo_token, image_id, [{"uuid": shared_net}])
    refused = error(transfer(client, demo_token, sid, bee), 403)
    assert bee in refused["detail"] and "member" in refused["detail"]
    assert owner(client, admin_token, sid) == demo
    assert ports(client, admin_token, sid)[0]["project_id"] == demo
    assert limits(client, demo_token) == (1, 1)
    history = client.get(f"{V}/servers/{sid}/tasks", headers=auth_headers(demo_token)).json()["tasks"]
    assert [t["action"] for t in history] == ["CREATE"]
    # An admin may move it anywhere.
    moved = transfer(client, admin_token, sid, bee)
    assert moved.status_code == 200 and moved.json()["project_id"] == bee


def test_the_destinations_quota_is_checked(
    client: TestClient, demo_token: str, admin_token: str, image_id: str, bee: str, shared_net: str
) -> None:
    bee_token = grant_demo(client, admin_token, bee)
    demo = project_of(client, demo_token)
    sid = boot(client, demo_token, image_id, [{"uuid": shared_net}])
    full = client.put(
        f"{API}/os-quota-sets/{bee}", json={"quota_set": {"instances": 0}}, headers=hdr(admin_token)
    )
    assert full.status_code == 200, full.text
    over = error(transfer(client, demo_token, sid, bee), 403)
    assert over["detail"].startswith("Quota exceeded for instances")
    assert owner(client, admin_token, sid) == demo and limits(client, bee_token) == (0, 0)
    assert ports(client, admin_token, sid)[0]["project_id"] == demo

    # Room in the project, none for the server's user there (an admin's per-user limit).
    roomy = {"quota_set": {"instances": 10}}
    assert client.put(f"{API}/os-quota-sets/{bee}", json=roomy, headers=hdr(admin_token)).status_code == 200
    user = client.get(f"{V3}/users?name=demo", headers=auth_headers(admin_token)).json()["users"][0]["id"]
    mine = client.put(
        f"{API}/os-quota-sets/{bee}?user_id={user}",
        json={"quota_set": {"cores": 0}},
        headers=hdr(admin_token),
    )
    assert mine.status_code == 200, mine.text
    over = error(transfer(client, admin_token, sid, bee), 403)  # admins too
    assert over["detail"].startswith("Quota exceeded for cores")
    assert owner(client, admin_token, sid) == demo
    assert (
        client.delete(f"{API}/os-quota-sets/{bee}?user_id={user}", headers=hdr(admin_token)).status_code
        == 202
    )
    assert transfer(client, demo_token, sid, bee).status_code == 200


def test_hostname_taken_in_the_destination_is_409(
    client: TestClient, demo_token: str, admin_token: str, image_id: str, bee: str
) -> None:
    bee_token = grant_demo(client, admin_token, bee)
    sid = boot(client, demo_token, image_id, "none", "web")
    there = boot(client, bee_token, image_id, "none", "web")
    taken = error(transfer(client, demo_token, sid, bee), 409)
    assert taken["code"] == "compute.server.hostname_taken" and there in taken["detail"]
    assert owner(client, admin_token, sid) == project_of(client, demo_token)


def test_server_group_member_user_port_and_private_network_are_409(
    client: TestClient, demo_token: str, admin_token: str, image_id: str, bee: str, shared_net: str
) -> None:
    grant_demo(client, admin_token, bee)
    group = client.post(
        f"{API}/os-server-groups",
        json={"server_group": {"name": "g", "policy": "anti-affinity"}},
        headers=hdr(demo_token, "2.64"),
    ).json()["server_group"]
    grouped = boot(
        client, demo_token, image_id, "none", "g1", **{"os:scheduler_hints": {"group": group["id"]}}
    )
    refused = error(transfer(client, demo_token, grouped, bee), 409)
    assert refused["code"] == "compute.transfer.server_group" and group["id"] in refused["detail"]

    port = create(client, demo_token, "port", network_id=shared_net)
    brought = boot(client, demo_token, image_id, [{"port": port["id"]}], "p1")
    refused = error(transfer(client, demo_token, brought, bee), 409)
    assert refused["code"] == "compute.transfer.user_port" and port["id"] in refused["detail"]

    own, _ = network_with_subnet(client, demo_token, "10.40.0.0/24")  # demo's, not shared
    auto = boot(client, demo_token, image_id, [{"uuid": own["id"]}], "a1")
    refused = error(transfer(client, demo_token, auto, bee), 409)
    assert refused["code"] == "compute.transfer.network" and bee in refused["detail"]
    demo = project_of(client, demo_token)
    for sid in (grouped, brought, auto):
        assert owner(client, admin_token, sid) == demo
    assert {p["project_id"] for sid in (brought, auto) for p in ports(client, admin_token, sid)} == {demo}


def test_a_floating_ip_is_409(
    client: TestClient, demo_token: str, admin_token: str, image_id: str, bee: str, public_network: str
) -> None:
    grant_demo(client, admin_token, bee)
    net, subnet = network_with_subnet(client, demo_token, "10.20.0.0/24")
    router = create(
        client, demo_token, "router", name="r", external_gateway_info={"network_id": public_network}
    )
    ok(
        client.put(
            f"{NET}/routers/{router['id']}/add_router_interface",
            json={"subnet_id": subnet["id"]},
            headers=auth_headers(demo_token),
        )
    )
    sid = boot(client, demo_token, image_id, [{"uuid": net["id"]}])
    (port,) = ports(client, admin_token, sid)
    fip = create(client, demo_token, "floatingip", floating_network_id=public_network, port_id=port["id"])
    refused = error(transfer(client, demo_token, sid, bee), 409)
    assert refused["code"] == "compute.transfer.floating_ip" and fip["id"] in refused["detail"]
    assert owner(client, admin_token, sid) == project_of(client, demo_token)


def test_locked_or_busy_servers_are_409(
    client: TestClient, cloud: Cloud, demo_token: str, admin_token: str, image_id: str, bee: str
) -> None:
    grant_demo(client, admin_token, bee)
    sid = boot(client, demo_token, image_id, "none")
    assert (
        client.post(f"{API}/servers/{sid}/action", json={"lock": None}, headers=hdr(demo_token)).status_code
        == 202
    )
    assert error(transfer(client, demo_token, sid, bee), 409)["code"] == "compute.server.locked"
    assert (
        client.post(f"{API}/servers/{sid}/action", json={"unlock": None}, headers=hdr(demo_token)).status_code
        == 202
    )

    cloud.driver.delay = 1.0  # the stop is still running when the transfer comes
    try:
        stop = client.post(
            f"{V}/servers/{sid}/tasks", json={"action": "STOP"}, headers=auth_headers(demo_token)
        )
        assert stop.status_code == 202, stop.text
        busy = error(transfer(client, demo_token, sid, bee), 409)
        assert busy["code"] == "compute.server.invalid_state" and "task_state" in busy["detail"]
    finally:
        cloud.driver.delay = 0.0
    deadline = time.monotonic() + 20
    while client.get(f"{V}/servers/{sid}", headers=auth_headers(demo_token)).json().get("task"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert owner(client, admin_token, sid) == project_of(client, demo_token)
    # Stopped is a state a transfer starts from.
    assert transfer(client, demo_token, sid, bee).status_code == 200


def test_same_project_is_a_no_op_unknown_is_400_and_edits_do_not_ride_along(
    client: TestClient, demo_token: str, admin_token: str, image_id: str, bee: str
) -> None:
    grant_demo(client, admin_token, bee)
    demo = project_of(client, demo_token)
    sid = boot(client, demo_token, image_id, "none")
    same = transfer(client, demo_token, sid, demo)
    assert same.status_code == 200 and same.json()["project_id"] == demo
    history = client.get(f"{V}/servers/{sid}/tasks", headers=auth_headers(demo_token)).json()["tasks"]
    assert [t["action"] for t in history] == ["CREATE"]

    unknown = error(transfer(client, demo_token, sid, "0" * 32), 400)
    assert unknown["detail"] == f"Project {'0' * 32} could not be found."
    disabled = client.patch(
        f"{V3}/projects/{bee}", json={"project": {"enabled": False}}, headers=auth_headers(admin_token)
    )
    assert disabled.status_code == 200, disabled.text
    assert (
        error(transfer(client, demo_token, sid, bee), 400)["detail"] == f"Project {bee} could not be found."
    )
    assert (
        client.patch(
            f"{V3}/projects/{bee}", json={"project": {"enabled": True}}, headers=auth_headers(admin_token)
        ).status_code
        == 200
    )

    both = error(transfer(client, demo_token, sid, bee, hostname="moved"), 400)
    assert "hostname" in both["detail"]
    assert owner(client, admin_token, sid) == demo
    assert error(transfer(client, demo_token, sid, None), 400)
