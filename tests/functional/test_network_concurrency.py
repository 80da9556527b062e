"""No address is handed out twice, however many ports are created at once: 210 parallel creates
on a subnet whose pool holds 200 addresses give 200 distinct addresses and 10 clean 409
IpAddressGenerationFailure answers; projects racing on a shared network, and requests racing
for one address, never share an address either."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.functional import network_support
from tests.functional.network_support import NET, create, hdr, network_with_subnet, ok

other_token = network_support.other_token  # a fixture


def race(count: int, send: Callable[[int], httpx.Response], workers: int = 32) -> list[httpx.Response]:
    """``send(i)`` for i in range(count) from ``workers`` threads released together."""
    barrier = threading.Barrier(min(workers, count))

    def go(i: int) -> httpx.Response:
        if i < barrier.parties:
            barrier.wait(30)
        return send(i)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(go, range(count)))


def addresses(answers: list[httpx.Response]) -> list[str]:
    return [ip["ip_address"] for a in answers if a.status_code == 201 for ip in a.json()["port"]["fixed_ips"]]


def test_210_parallel_creates_on_a_pool_of_200(client: TestClient, demo_token: str) -> None:
    pools = [{"start": "10.50.0.10", "end": "10.50.0.209"}]
    net, sub = network_with_subnet(client, demo_token, "10.50.0.0/24", allocation_pools=pools)
    body = {"port": {"network_id": net["id"]}}
    answers = race(210, lambda i: client.post(f"{NET}/ports", json=body, headers=hdr(demo_token)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 200, 409: 10}, [a.text for a in answers if a.status_code not in (201, 409)][:3]
    refused = {a.json()["NeutronError"]["type"] for a in answers if a.status_code == 409}
    assert refused == {"IpAddressGenerationFailure"}
    given = addresses(answers)
    assert len(given) == len(set(given)) == 200
    assert set(given) == {f"10.50.0.{i}" for i in range(10, 210)}
    listed = ok(client.get(f"{NET}/ports?network_id={net['id']}&fields=fixed_ips", headers=hdr(demo_token)))
    assert sorted(p["fixed_ips"][0]["ip_address"] for p in listed["ports"]) == sorted(given)
    macs = [a.json()["port"]["mac_address"] for a in answers if a.status_code == 201]
    assert len(set(macs)) == 200


def test_projects_racing_on_a_shared_network(
    client: TestClient, admin_token: str, demo_token: str, other_token: str
) -> None:
    net, _ = network_with_subnet(client, admin_token, "10.51.0.0/24")
    ok(
        client.put(
            f"{NET}/networks/{net['id']}", json={"network": {"shared": True}}, headers=hdr(admin_token)
        )
    )
    tokens = [admin_token, demo_token, other_token]
    body = {"port": {"network_id": net["id"]}}
    answers = race(60, lambda i: client.post(f"{NET}/ports", json=body, headers=hdr(tokens[i % 3])))
    assert Counter(a.status_code for a in answers) == {201: 60}
    given = addresses(answers)
    assert len(set(given)) == 60


def test_requests_racing_for_one_address(client: TestClient, demo_token: str) -> None:
    net, sub = network_with_subnet(client, demo_token, "10.52.0.0/24")
    body: dict[str, Any] = {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.52.0.77"}]}}
    answers = race(20, lambda i: client.post(f"{NET}/ports", json=body, headers=hdr(demo_token)))
    assert Counter(a.status_code for a in answers) == {201: 1, 409: 19}
    assert {a.json()["NeutronError"]["type"] for a in answers if a.status_code == 409} == {
        "IpAddressAlreadyAllocated"
    }
    assert (
        create(client, demo_token, "port", network_id=net["id"])["fixed_ips"][0]["ip_address"] == "10.52.0.2"
    )
