"""pocketstack.sdk's compound operations against the in-process app: "give me a server" (and
the undo when a step fails), bulk create, and emptying a project."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pocketstack.cloud import Cloud
from pocketstack.core.image.seed import seed_first_image
from pocketstack.sdk.cloud.servers import BulkFailure
from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import NotFound, ResourceFailure
from tests.functional import network_support

public_network = network_support.public_network  # a fixture

FAULTS = "/compute/v2.1/os-pocketstack-faults"


@pytest.fixture
def image(cloud: Cloud) -> str:
    return str(seed_first_image(cloud.db, cloud.image_data))


def floating(server: object) -> list[str]:
    addresses = getattr(server, "addresses", None) or {}
    return [a["addr"] for net in addresses.values() for a in net if a.get("OS-EXT-IPS:type") == "floating"]


def owned(conn: Connection) -> dict[str, set[str]]:
    """What the caller's project holds, by kind (names)."""
    project = conn.current_project_id
    return {
        "servers": {str(s.name) for s in conn.compute.servers()},
        "networks": {str(n.name) for n in conn.network.networks(project_id=project)},
        "routers": {str(r.name) for r in conn.network.routers(project_id=project)},
        "ports": {str(p.id) for p in conn.network.ports(project_id=project)},
        "floating_ips": {str(i.floating_ip_address) for i in conn.network.ips(project_id=project)},
    }


def test_give_me_a_server_makes_and_then_reuses_a_routed_network(
    sdk: Connection, image: str, public_network: str
) -> None:
    first = sdk.create_server("one", image, "m1.tiny", security_groups=["default"], timeout=60)
    assert first.status == "ACTIVE" and len(floating(first)) == 1
    made = owned(sdk)
    assert made["networks"] == {"one-net"} and made["routers"] == {"one-router"}
    second = sdk.create_server("two", image, "m1.tiny", floating_ip=False, timeout=60)
    assert floating(second) == [] and second.status == "ACTIVE"
    assert owned(sdk)["networks"] == {"one-net"}


def test_a_failed_build_removes_everything_the_call_made(
    sdk: Connection,
    sdk_admin: Connection,
    client: TestClient,
    admin_token: str,
    image: str,
    public_network: str,
) -> None:
    before = owned(sdk)
    put = client.put(FAULTS, json={"faults": {"fail_builds": 1}}, headers={"X-Auth-Token": admin_token})
    assert put.status_code == 200
    with pytest.raises(ResourceFailure):
        sdk.create_server("doomed", image, "m1.tiny", timeout=60)
    assert owned(sdk) == before
    with pytest.raises(NotFound):
        sdk.create_server("nameless", "no-such-image", "m1.tiny")
    assert owned(sdk) == before


def test_bulk_create_reports_the_failures_and_keeps_the_rest(sdk: Connection, image: str) -> None:
    requests = [{"name": f"bulk-{i}", "image": image, "flavor": "m1.tiny", "network": None} for i in range(3)]
    requests.append({"name": "bulk-bad", "image": image, "flavor": "no-such-flavor", "network": None})
    with pytest.raises(BulkFailure) as err:
        sdk.create_servers(requests, concurrency=4)
    assert sorted(str(s.name) for s in err.value.servers) == ["bulk-0", "bulk-1", "bulk-2"]
    assert [type(e) for e in err.value.errors] == [NotFound]
    assert {s.status for s in err.value.servers} == {"ACTIVE"}


def test_delete_project_resources(
    sdk: Connection, sdk_admin: Connection, image: str, public_network: str
) -> None:
    sdk.create_server("web", image, "m1.tiny", timeout=60)
    sdk.network.create_security_group(name="extra")
    mine = sdk.image.create_image(name="mine", disk_format="raw", container_format="bare")
    project = sdk.current_project_id
    assert project is not None

    planned = sdk_admin.delete_project_resources(project, dry_run=True)
    assert len(planned["servers"]) == 1 and len(planned["floating_ips"]) == 1
    assert len(planned["routers"]) == 1 and len(planned["security_groups"]) == 1
    assert planned["images"] == [mine.id]
    assert owned(sdk)["servers"] == {"web"}

    done = sdk_admin.delete_project_resources(project)
    assert done == planned
    assert owned(sdk) == {k: set() for k in ("servers", "networks", "routers", "ports", "floating_ips")}
    assert [g.name for g in sdk.network.security_groups(project_id=project)] == ["default"]
    assert sdk.image.find_image("mine") is None
