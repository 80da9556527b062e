"""Network figures against a running `pocketstack up`, on one network with a /16 subnet:

- ports created per second through POST /network/v2.0/ports (8 clients), on an empty network
  and again once it holds all the ports;
- with 10,000 ports (--ports) in the database, the latency of GET
  /network/v2.0/ports?device_id=<id> (a few ports per device) next to a bare Starlette endpoint
  answering the same JSON body, measured the same way in the same run.

Creating ports through the API takes tens of milliseconds each, so only the first --create of
them go through it; the rest are copies of one of those, written straight into the same
database (ports, addresses, security group memberships) while the server is stopped.

Usage: python bench/network.py [--ports 10000] [--create 1000] [--seconds 5] [--per-device 4]
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, inspect, select

from pocketstack.core.identity.common import utcnow
from pocketstack.core.network.port_attrs import random_mac
from pocketstack.store import schema  # noqa: F401 - every table, for the foreign keys
from pocketstack.store.db import Database, make_engine
from pocketstack.store.network_models import IpAllocation, Port, PortSecurityGroup, Subnet

sys.path.insert(0, str(Path(__file__).parent))
from common import baseline, free_port, pocketstack, start, stop  # noqa: E402

PASSWORD = "bench-password"
CREATORS = 8
CIDR = "10.64.0.0/16"
ENV = {"POCKETSTACK_DEMO_PASSWORD": PASSWORD, "POCKETSTACK_NETWORK_QUOTA_DEFAULTS": "port=-1"}


def login(url: str) -> dict[str, str]:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": PASSWORD}},
            },
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
        }
    }
    resp = httpx.post(f"{url}/identity/v3/auth/tokens", json=body)
    resp.raise_for_status()
    return {"X-Auth-Token": resp.headers["X-Subject-Token"]}


def create_ports(api: str, headers: dict[str, str], network_id: str, devices: list[str]) -> float:
    """Seconds to create one port per entry of ``devices`` (its device_id), ``CREATORS`` at once."""

    def create(client: httpx.Client, device: str) -> int:
        body = {"port": {"network_id": network_id, "device_id": device}}
        return client.post(f"{api}/ports", json=body, headers=headers).status_code

    began = time.perf_counter()
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(CREATORS) as pool:
        codes = list(pool.map(lambda d: create(client, d), devices))
    assert codes == [201] * len(devices), sorted(set(codes))
    return time.perf_counter() - began


def fill(db_path: Path, devices: list[str]) -> float:
    """Seconds to add one port per entry of ``devices``, each a copy of a port the API made
    (same network, project, groups and settings) with its own id, MAC and next free address."""
    began = time.perf_counter()
    db = Database(make_engine(f"sqlite:///{db_path}"))
    with db.transaction() as s:
        model = s.scalars(select(Port).order_by(Port.created_at)).first()
        assert model is not None
        subnet = s.scalars(select(Subnet).where(Subnet.network_id == model.network_id)).one()
        groups = list(
            s.scalars(
                select(PortSecurityGroup.security_group_id).where(PortSecurityGroup.port_id == model.id)
            )
        )
        held = set(s.scalars(select(IpAllocation.ip_address).where(IpAllocation.subnet_id == subnet.id)))
        held.add(subnet.gateway_ip)
        macs = set(s.scalars(select(Port.mac_address).where(Port.network_id == model.network_id)))
        free = (str(a) for a in ipaddress.ip_network(subnet.cidr).hosts() if str(a) not in held)
        columns = [a.key for a in inspect(Port).column_attrs]
        template = {c: getattr(model, c) for c in columns}
        now = utcnow()
        ports: list[dict[str, Any]] = []
        addresses: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for device in devices:
            mac = random_mac()
            while mac in macs:
                mac = random_mac()
            macs.add(mac)
            port_id = str(uuid.uuid4())
            ports.append(
                {**template, "id": port_id, "mac_address": mac, "device_id": device}
                | {"created_at": now, "updated_at": now}
            )
            addresses.append(
                {"subnet_id": subnet.id, "ip_address": next(free), "port_id": port_id}
                | {"network_id": model.network_id}
            )
            members.extend({"port_id": port_id, "security_group_id": g} for g in groups)
        s.execute(insert(Port), ports)
        s.execute(insert(IpAllocation), addresses)
        if members:
            s.execute(insert(PortSecurityGroup), members)
    db.engine.dispose()
    return time.perf_counter() - began


def latencies(call, seconds: float, workers: int) -> tuple[list[float], float]:  # noqa: ANN001
    """Each call's seconds of ``call(client)`` over ``seconds`` with ``workers`` clients, and
    the calls per second they made together."""
    deadline = time.perf_counter() + seconds

    def loop() -> list[float]:
        times = []
        with httpx.Client(timeout=30) as client:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                call(client)
                times.append(time.perf_counter() - began)
        return times

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        times = [t for part in pool.map(lambda _: loop(), range(workers)) for t in part]
    return times, len(times) / (time.perf_counter() - began)


def summary(times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    ms = [statistics.median(times) * 1000, cuts[94] * 1000, cuts[98] * 1000]
    return "p50 {:.2f} / p95 {:.2f} / p99 {:.2f} ms".format(*ms)


def body_app(body: bytes) -> str:
    """A bare Starlette app that answers GET / with ``body``, serialised again by JSONResponse."""
    return f"""
import json
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
BODY = json.loads({body!r})
async def ports(request):
    return JSONResponse(BODY)
app = Starlette(routes=[Route("/", ports)])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", type=int, default=10000, help="ports in the database (10000)")
    parser.add_argument("--create", type=int, default=1000, help="of them, made through the API (1000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per latency measure (5)")
    parser.add_argument("--per-device", type=int, default=4, help="ports sharing one device_id (4)")
    parser.add_argument("--more", type=int, default=200, help="ports created at the end, when full (200)")
    args = parser.parse_args()
    count, per_device = args.ports, args.per_device
    through_api = min(args.create, count)
    devices = [str(uuid.uuid4()) for _ in range(-(-count // per_device))]
    owners = [devices[i // per_device] for i in range(count)]

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        api = f"{url}/network/v2.0"
        proc, _ = start(pocketstack(data, port), "pocketstack ready on", env=ENV)
        demo = login(url)
        network = httpx.post(f"{api}/networks", json={"network": {"name": "bench"}}, headers=demo)
        network.raise_for_status()
        network_id = network.json()["network"]["id"]
        subnet = {"subnet": {"network_id": network_id, "ip_version": 4, "cidr": CIDR}}
        httpx.post(f"{api}/subnets", json=subnet, headers=demo).raise_for_status()
        # Every device gets ports from both halves, so lists read rows made both ways.
        random.Random(0).shuffle(owners)
        api_seconds = create_ports(api, demo, network_id, owners[:through_api])
        stop(proc)

        fill_seconds = fill(data / "pocketstack.db", owners[through_api:])

        proc, _ = start(pocketstack(data, port), "pocketstack ready on", env=ENV)
        demo = login(url)
        sample = httpx.get(f"{api}/ports", params={"device_id": devices[0]}, headers=demo)
        assert len(sample.json()["ports"]) == per_device, sample.text[:300]

        def by_device(client: httpx.Client) -> None:
            params = {"device_id": random.choice(devices)}
            assert client.get(f"{api}/ports", params=params, headers=demo).status_code == 200

        listed = {w: latencies(by_device, args.seconds, w) for w in (1, 4)}
        more_seconds = create_ports(api, demo, network_id, [str(uuid.uuid4()) for _ in range(args.more)])
        stop(proc)

        bport = free_port()
        bproc, _ = start(baseline(bport, body_app(sample.content)), "Uvicorn running on")
        burl = f"http://127.0.0.1:{bport}/"
        base = {w: latencies(lambda c: c.get(burl).raise_for_status(), args.seconds, w) for w in (1, 4)}
        stop(bproc)

    print(
        f"POST /network/v2.0/ports, {CREATORS} clients: {through_api} ports on an empty network in "
        f"{api_seconds:.1f} s ({through_api / api_seconds:.0f} ports/s); {args.more} more with "
        f"{count} there in {more_seconds:.1f} s ({args.more / more_seconds:.0f} ports/s)"
    )
    print(
        f"(the other {count - through_api} ports written straight into the database in {fill_seconds:.1f} s)"
    )
    print(
        f"GET /network/v2.0/ports?device_id=<id> with {count} ports ({per_device} ports, "
        f"{len(sample.content)} bytes), and bare Starlette answering the same body:"
    )
    for w in (1, 4):
        (ours, ours_rate), (theirs, theirs_rate) = listed[w], base[w]
        print(
            f"  {w} client(s): {ours_rate:5.0f} req/s, {summary(ours)}   "
            f"bare Starlette {theirs_rate:5.0f} req/s, {summary(theirs)}   "
            f"ratio {theirs_rate / ours_rate:.1f}x in req/s, "
            f"{statistics.median(ours) / statistics.median(theirs):.1f}x at p50"
        )


if __name__ == "__main__":
    main()
