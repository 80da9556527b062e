"""Server lists at scale, against a running `pocketstack up` (fake driver): requests per second
of GET /compute/v2.1/servers/detail?limit=100 (first page, a page further on by marker, and
with status=ACTIVE) with 1,000, 10,000 and 100,000 servers in the database, their ratios to the
1,000-server case, and the server's memory (RSS of its processes) after each size's measures.

Booting 100,000 servers through the API would take many minutes, so only the first one is
booted that way (on a network of its own with a /12 subnet, so there are addresses for all);
the others are copies of it written straight into the database through the store layer while
the server is stopped: servers, their ports, addresses, security group memberships and
interface records, each with its own id, name, MAC, address and creation time.

Usage: python bench/compute_scale.py [seconds-per-measure] [sizes, e.g. 1000,10000,100000]
"""

from __future__ import annotations

import ipaddress
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from pocketstack.store import schema  # noqa: F401 - every table, for the foreign keys
from pocketstack.store.compute_models import Server, ServerInterface
from pocketstack.store.db import Database, make_engine
from pocketstack.store.network_models import IpAllocation, Port, PortSecurityGroup

sys.path.insert(0, str(Path(__file__).parent))
from common import free_port, pocketstack, rss_mib, start, stop  # noqa: E402
from compute import PASSWORD, login  # noqa: E402
from tokens import rate  # noqa: E402

CIDR = "10.128.0.0/12"
ENV = {
    "POCKETSTACK_DEMO_PASSWORD": PASSWORD,
    "POCKETSTACK_ADMIN_PASSWORD": PASSWORD,
    "POCKETSTACK_NETWORK_QUOTA_DEFAULTS": "port=-1",
}
BATCH = 10000


def boot_template(url: str) -> None:
    """One server booted through the API on a network with room for every copy."""
    demo, admin = login(url, "demo"), login(url, "admin")
    project = demo.pop("_project")
    admin.pop("_project")
    api, net = f"{url}/compute/v2.1", f"{url}/network/v2.0"
    unlimited = {"instances": -1, "cores": -1, "ram": -1}
    httpx.put(
        f"{api}/os-quota-sets/{project}", json={"quota_set": unlimited}, headers=admin
    ).raise_for_status()
    network = httpx.post(f"{net}/networks", json={"network": {"name": "scale"}}, headers=demo)
    network_id = network.raise_for_status().json()["network"]["id"]
    subnet = {"subnet": {"network_id": network_id, "ip_version": 4, "cidr": CIDR}}
    httpx.post(f"{net}/subnets", json=subnet, headers=demo).raise_for_status()
    image = next(i["id"] for i in httpx.get(f"{url}/image/v2/images", headers=demo).json()["images"])
    body = {"server": {"name": "s0", "imageRef": image, "flavorRef": "1", "networks": [{"uuid": network_id}]}}
    server_id = (
        httpx.post(f"{api}/servers", json=body, headers=demo).raise_for_status().json()["server"]["id"]
    )
    for _ in range(200):
        if httpx.get(f"{api}/servers/{server_id}", headers=demo).json()["server"]["status"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise RuntimeError("the template server did not become ACTIVE")


def tree_rss_mib(pid: int) -> float:
    """RSS of the server process and of its worker processes (``up --workers``)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return rss_mib(pid) + sum(tree_rss_mib(c) for c in children)


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def fill(db_path: Path, total: int) -> float:
    """Seconds to copy the first server (with its port) until there are ``total`` servers."""
    began = time.perf_counter()
    engine = make_engine(f"sqlite:///{db_path}")
    db = Database(engine)
    with db.read() as s:
        model = s.scalars(select(Server).order_by(Server.created_at)).first()
        assert model is not None
        have = s.scalar(select(func.count()).select_from(Server)) or 0
        port = s.scalars(select(Port).where(Port.device_id == model.id)).one()
        address = s.scalars(select(IpAllocation).where(IpAllocation.port_id == port.id)).one()
        groups = list(
            s.scalars(select(PortSecurityGroup.security_group_id).where(PortSecurityGroup.port_id == port.id))
        )
        server_row, port_row, address_row = _row(model), _row(port), _row(address)
    first = int(ipaddress.ip_address(address_row["ip_address"]))
    for start_at in range(have, total, BATCH):
        servers, ports, addresses, members, interfaces = [], [], [], [], []
        for n in range(start_at, min(start_at + BATCH, total)):
            server_id, port_id = str(uuid.uuid4()), str(uuid.uuid4())
            created = server_row["created_at"] - timedelta(seconds=n)  # older than the template
            servers.append(
                server_row
                | {"id": server_id, "name": f"s{n}", "hostname": f"s{n}", "reservation_id": f"r-{n:08x}"}
                | {"created_at": created, "updated_at": created, "launched_at": created}
            )
            mac = f"fa:16:3f:{(n >> 16) & 0xFF:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}"
            ports.append(
                port_row | {"id": port_id, "mac_address": mac, "device_id": server_id, "created_at": created}
            )
            addresses.append(
                address_row | {"port_id": port_id, "ip_address": str(ipaddress.ip_address(first + n))}
            )
            members.extend({"port_id": port_id, "security_group_id": g} for g in groups)
            interfaces.append(
                {"port_id": port_id, "server_id": server_id, "tag": None, "preserve_on_delete": False}
                | {"created_at": created}
            )
        with db.transaction() as s:
            s.execute(insert(Server), servers)
            s.execute(insert(Port), ports)
            s.execute(insert(IpAllocation), addresses)
            if members:
                s.execute(insert(PortSecurityGroup), members)
            s.execute(insert(ServerInterface), interfaces)
    engine.dispose()
    return time.perf_counter() - began


def measure(url: str, seconds: float) -> dict[str, float]:
    demo = login(url, "demo")
    demo.pop("_project")
    api = f"{url}/compute/v2.1"
    first = httpx.get(f"{api}/servers/detail?limit=100", headers=demo).json()["servers"]
    marker = first[-1]["id"]

    def get(path: str):  # noqa: ANN202
        def call(client: httpx.Client) -> None:
            resp = client.get(f"{api}{path}", headers=demo)
            assert resp.status_code == 200 and len(resp.json()["servers"]) == 100, resp.text[:200]

        return call

    paths = {
        "detail": "/servers/detail?limit=100",
        "marker": f"/servers/detail?limit=100&marker={marker}",
        "active": "/servers/detail?limit=100&status=ACTIVE",
    }
    for path in paths.values():  # warm up
        get(path)(httpx.Client())
    figures = {name: rate(get(path), seconds, 1) for name, path in paths.items()}
    figures["detail x4"] = rate(get(paths["detail"]), seconds, 4)
    return figures


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    sizes = [int(x) for x in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1000, 10000, 100000]
    results: dict[int, tuple[dict[str, float], float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc, _ = start(pocketstack(data, port), "pocketstack ready on", env=ENV)
        boot_template(url)
        stop(proc)
        for size in sizes:
            filled = fill(data / "pocketstack.db", size)
            proc, _ = start(pocketstack(data, port), "pocketstack ready on", env=ENV)
            figures = measure(url, seconds)
            results[size] = (figures, tree_rss_mib(proc.pid), filled)
            stop(proc)

    base = results[sizes[0]][0]
    for size in sizes:
        figures, rss, filled = results[size]
        shown = ", ".join(
            f"{name} {value:.0f} req/s (x{base[name] / value:.2f} the time at {sizes[0]})"
            for name, value in figures.items()
        )
        print(f"{size:>7} servers (filled in {filled:.1f} s): {shown}; RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
