"""docs/compute-microversions.md against the app: every row whose status says **served** has
a probe below, and every probe's route exists at that row's version.

A route is missing when it answers 405, or 404 with the generic body a path no route takes
gets (``The resource could not be found.``); a 404 naming a missing object (a migration, an
image) comes from a route that exists. A row marked served without a probe fails too, so a new
row cannot be claimed without a route behind it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.core.image.seed import seed_first_image
from tests.functional.conftest import admin_token, client, cloud  # noqa: F401 - fixtures

DOC = Path(__file__).resolve().parents[2] / "docs" / "compute-microversions.md"
API = "/compute/v2.1"
GENERIC_404 = "The resource could not be found."
S = "/servers/{server}"
ACT = S + "/action"
LIVE = {"os-migrateLive": {"host": "nowhere", "block_migration": "auto"}}
EVACUATE = {"evacuate": {"host": "nowhere"}}
# version -> probes: (method, path, body, version to ask for if not the row's own). A change
# that removes an API is probed just below it, where the API must still answer.
Probe = tuple[str, str, Any, str | None]
P: dict[str, list[Probe]] = {
    "2.1": [("GET", "/servers", None, None)],
    "2.2": [("GET", "/os-keypairs", None, None)],
    "2.3": [("GET", S, None, None)],
    "2.5": [("GET", "/servers?ip6=::1", None, None)],
    "2.7": [("POST", "/flavors/1/action", {"addTenantAccess": {"tenant": "x"}}, None)],
    "2.9": [("GET", "/servers/detail", None, None)],
    "2.10": [("GET", "/os-keypairs?user_id=nobody", None, None)],
    "2.11": [("GET", "/os-services", None, None)],
    "2.13": [("GET", "/os-server-groups", None, None)],
    "2.14": [("POST", ACT, EVACUATE, None)],
    "2.15": [("GET", "/os-server-groups", None, None)],
    "2.16": [("GET", S, None, None)],
    "2.17": [("POST", ACT, {"trigger_crash_dump": None}, None)],
    "2.18": [("GET", "/servers", None, "2.1")],  # no project id in the URL at any version
    "2.19": [("GET", S, None, None)],
    "2.21": [("GET", S + "/os-instance-actions", None, None)],
    "2.22": [("POST", S + "/migrations/1/action", {"force_complete": None}, None)],
    "2.23": [
        ("GET", S + "/migrations", None, None),
        ("GET", S + "/migrations/1", None, None),
        ("GET", "/os-migrations", None, None),
    ],
    "2.24": [("DELETE", S + "/migrations/1", None, None)],
    "2.25": [("POST", ACT, LIVE, None)],
    "2.26": [("GET", S + "/tags", None, None), ("GET", "/servers?tags=a", None, None)],
    "2.27": [("GET", "/servers", None, None)],
    "2.28": [("GET", "/os-hypervisors/detail", None, None)],
    "2.29": [("POST", ACT, EVACUATE, None)],
    "2.30": [("POST", ACT, LIVE, None)],
    "2.32": [("GET", "/servers", None, None)],
    "2.33": [("GET", "/os-hypervisors?limit=1", None, None)],
    "2.34": [("POST", ACT, LIVE, None)],
    "2.35": [("GET", "/os-keypairs?limit=1", None, None)],
    "2.36": [("GET", "/os-networks", None, "2.35"), ("GET", "/images", None, "2.35")],
    "2.37": [("GET", "/servers", None, None)],
    "2.38": [("GET", "/servers?status=ACTIVE", None, None)],
    "2.39": [("GET", "/images/{image}/metadata", None, "2.38")],
    "2.40": [("GET", "/os-simple-tenant-usage?limit=1", None, None)],
    "2.41": [("GET", "/os-aggregates", None, None)],
    "2.42": [("GET", "/servers", None, None)],
    "2.43": [("GET", "/os-hosts", None, "2.42")],
    "2.44": [("POST", ACT, {"addFloatingIp": {"address": "192.0.2.1"}}, "2.43")],
    "2.45": [("GET", S, None, None)],
    "2.46": [("GET", "/servers", None, None)],
    "2.47": [("GET", S, None, None)],
    "2.48": [("GET", S + "/diagnostics", None, None)],
    "2.49": [("GET", S + "/os-interface", None, None)],
    "2.50": [("GET", "/os-quota-class-sets/default", None, None)],
    "2.51": [("GET", S + "/os-instance-actions", None, None)],
    "2.52": [("GET", "/servers?tags=a", None, None)],
    "2.53": [
        ("GET", "/os-services", None, None),
        ("GET", "/os-hypervisors?hypervisor_hostname_pattern=x", None, None),
    ],
    "2.54": [("GET", S, None, None)],
    "2.55": [("GET", "/flavors/1", None, None)],
    "2.56": [("POST", ACT, {"migrate": {"host": "nowhere"}}, None)],
    "2.57": [("GET", S, None, None)],
    "2.58": [("GET", S + "/os-instance-actions?limit=1", None, None)],
    "2.59": [("GET", "/os-migrations?limit=1", None, None)],
    "2.61": [("GET", "/flavors/1", None, None)],
    "2.62": [("GET", S + "/os-instance-actions", None, None)],
    "2.64": [("GET", "/os-server-groups", None, None)],
    "2.65": [("DELETE", S + "/migrations/1", None, None)],
    "2.66": [("GET", "/servers?changes-before=2030-01-01T00:00:00Z", None, None)],
    "2.68": [("POST", ACT, LIVE, None)],
    "2.70": [("GET", S + "/os-interface", None, None)],
    "2.71": [("GET", S, None, None)],
    "2.73": [("GET", "/servers?locked=true", None, None)],
    "2.74": [("GET", "/servers", None, None)],
    "2.75": [("GET", S, None, None)],
    "2.77": [("POST", ACT, {"unshelve": {"availability_zone": "nova"}}, None)],
    "2.78": [("GET", S + "/topology", None, None)],
    "2.80": [("GET", "/os-migrations?user_id=nobody", None, None)],
    "2.83": [("GET", "/servers/detail?availability_zone=nova", None, None)],
    "2.84": [("GET", S + "/os-instance-actions", None, None)],
    "2.86": [("GET", "/flavors/1/os-extra_specs", None, None)],
    "2.88": [("GET", "/os-hypervisors/detail", None, None)],
    "2.90": [("GET", S, None, None)],
    "2.91": [("POST", ACT, {"unshelve": {"host": "nowhere"}}, None)],
    "2.92": [("GET", "/os-keypairs", None, None)],
    "2.94": [("GET", S, None, None)],
    "2.95": [("POST", ACT, EVACUATE, None)],
    "2.96": [("GET", S, None, None)],
    "2.97": [("GET", S + "/shares", None, None)],
    "2.98": [("GET", S, None, None), ("GET", "/servers/detail", None, None)],
    "2.100": [("GET", S, None, None)],
    "2.102": [("GET", "/flavors?name=tiny", None, None), ("GET", "/flavors/1", None, None)],
    "2.104": [("PUT", S, {"server": {"pinned_availability_zone": None}}, None)],
}
_ROW = re.compile(r"^\| (2\.\d+) \| .* \| ([^|]*) \|$")


def served_rows() -> list[str]:
    rows = [m.groups() for line in DOC.read_text().splitlines() if (m := _ROW.match(line))]
    assert len(rows) > 90, "the table of docs/compute-microversions.md was not found"
    return [version for version, status in rows if status.strip().startswith("served")]


def test_every_served_row_has_a_probe() -> None:
    missing = [v for v in served_rows() if v not in P]
    assert not missing, f"rows marked served with no probe in this test: {missing}"


@pytest.fixture
def world(client: TestClient, admin_token: str, cloud) -> Iterator[dict[str, str]]:  # noqa: ANN001, F811
    h = {"X-Auth-Token": admin_token, "OpenStack-API-Version": "compute 2.79"}
    image = seed_first_image(cloud.db, cloud.image_data)
    body = {"server": {"name": "probe", "imageRef": image, "flavorRef": "1", "networks": "none"}}
    resp = client.post(f"{API}/servers", json=body, headers=h)
    assert resp.status_code == 202, resp.text
    server = resp.json()["server"]["id"]
    deadline = time.monotonic() + 20
    while client.get(f"{API}/servers/{server}", headers=h).json()["server"]["status"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    projects = client.get("/identity/v3/projects?name=admin", headers={"X-Auth-Token": admin_token})
    yield {"server": server, "image": image, "project": projects.json()["projects"][0]["id"]}


def test_every_served_row_answers_at_its_version(
    client: TestClient,  # noqa: F811
    admin_token: str,  # noqa: F811
    world: dict[str, str],
) -> None:
    missing = []
    for version in served_rows():
        for method, path, body, asked in P.get(version, []):
            url = API + path.format(**world)
            h = {"X-Auth-Token": admin_token, "OpenStack-API-Version": f"compute {asked or version}"}
            resp = client.request(method, url, json=body, headers=h)
            generic = resp.status_code == 404 and GENERIC_404 in resp.text
            if resp.status_code == 405 or generic or resp.status_code >= 500:
                missing.append(f"{version}: {method} {path} -> {resp.status_code}")
    assert not missing, "rows marked served whose routes do not answer:\n" + "\n".join(missing)
