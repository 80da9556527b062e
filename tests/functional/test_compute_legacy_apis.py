"""APIs Nova still serves at old microversions: the image proxy (``/images`` below 2.36, its
metadata below 2.39), ``os-hosts`` (below 2.43) and ``os-instance_usage_audit_log``; and a
server's migrations (2.22-2.24) and topology (2.78)."""

from __future__ import annotations

import httpx
from starlette.testclient import TestClient

from tests.functional.image_support import create_image, upload

API = "/compute/v2.1"
NOT_FOUND = "The resource could not be found."


def hdr(token: str, version: str = "2.35") -> dict[str, str]:
    return {"X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"}


def fault(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    ((key, value),) = resp.json().items()
    names = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}
    assert key == names.get(status, key)
    assert value["code"] == status
    return value["message"]


def _active_image(client: TestClient, token: str, **fields: str) -> str:
    image_id = create_image(client, token, name="proxied", visibility="private", **fields)
    assert upload(client, token, image_id, b"*" * 1024).status_code == 204
    return image_id


# -- image proxy ---------------------------------------------------------------------------------
def test_image_proxy_lists_and_shows_images_as_nova(client: TestClient, demo_token: str) -> None:
    image_id = _active_image(client, demo_token, min_ram=512, auto_disk_config="true")
    listed = client.get(f"{API}/images", headers=hdr(demo_token)).json()["images"]
    (item,) = [i for i in listed if i["id"] == image_id]
    assert set(item) == {"id", "name", "links"}
    assert [link["rel"] for link in item["links"]] == ["self", "bookmark", "alternate"]
    shown = client.get(f"{API}/images/{image_id}", headers=hdr(demo_token)).json()["image"]
    assert shown["status"] == "ACTIVE" and shown["progress"] == 100
    assert shown["minRam"] == 512 and shown["minDisk"] == 0
    assert shown["OS-EXT-IMG-SIZE:size"] == 1024
    assert shown["metadata"] == {"auto_disk_config": "true"}
    assert shown["OS-DCF:diskConfig"] == "AUTO"
    assert shown["created"].endswith("Z") and "server" not in shown
    detail = client.get(f"{API}/images/detail?minRam=512", headers=hdr(demo_token)).json()["images"]
    assert [i["id"] for i in detail] == [image_id]
    assert client.get(f"{API}/images?status=SAVING", headers=hdr(demo_token)).json()["images"] == []
    by_name = client.get(f"{API}/images?name=proxied&limit=1", headers=hdr(demo_token)).json()
    assert [i["id"] for i in by_name["images"]] == [image_id]
    assert by_name["images_links"][0]["rel"] == "next"


def test_image_proxy_is_gone_from_2_36_and_metadata_from_2_39(client: TestClient, demo_token: str) -> None:
    image_id = _active_image(client, demo_token)
    assert fault(client.get(f"{API}/images", headers=hdr(demo_token, "2.36")), 404) == NOT_FOUND
    assert client.get(f"{API}/images/{image_id}/metadata", headers=hdr(demo_token, "2.38")).status_code == 200
    resp = client.get(f"{API}/images/{image_id}/metadata", headers=hdr(demo_token, "2.39"))
    assert fault(resp, 404) == NOT_FOUND


def test_image_proxy_metadata_and_delete(client: TestClient, demo_token: str, admin_token: str) -> None:
    image_id = _active_image(client, demo_token)
    meta = f"{API}/images/{image_id}/metadata"
    h = hdr(demo_token)
    put = client.put(meta, json={"metadata": {"os_version": "1", "os_distro": "x"}}, headers=h)
    assert put.status_code == 200 and put.json() == {"metadata": {"os_version": "1", "os_distro": "x"}}
    post = client.post(meta, json={"metadata": {"arch": "x86_64"}}, headers=h)
    assert post.json()["metadata"] == {"os_version": "1", "os_distro": "x", "arch": "x86_64"}
    item = client.put(f"{meta}/arch", json={"meta": {"arch": "arm"}}, headers=h)
    assert item.status_code == 200 and item.json() == {"meta": {"arch": "arm"}}
    mismatch = client.put(f"{meta}/arch", json={"meta": {"other": "arm"}}, headers=h)
    assert fault(mismatch, 400) == "Request body and URI mismatch"
    assert client.get(f"{meta}/arch", headers=h).json() == {"meta": {"arch": "arm"}}
    assert client.delete(f"{meta}/os_distro", headers=h).status_code == 204
    assert fault(client.get(f"{meta}/os_distro", headers=h), 404) == "Invalid metadata key"
    replaced = client.put(meta, json={"metadata": {"only": "this"}}, headers=h)
    assert replaced.status_code == 200
    assert client.get(meta, headers=h).json() == {"metadata": {"only": "this"}}
    # Another project's private image is not there for the demo project; the owner deletes theirs.
    other = _active_image(client, admin_token)
    assert fault(client.get(f"{API}/images/{other}", headers=h), 404) == "Image not found."
    assert fault(client.delete(f"{API}/images/{other}", headers=h), 404) == "Image not found."
    assert other not in [i["id"] for i in client.get(f"{API}/images", headers=h).json()["images"]]
    assert client.delete(f"{API}/images/{image_id}", headers=h).status_code == 204
    assert fault(client.get(f"{API}/images/{image_id}", headers=h), 404) == "Image not found."
    assert fault(client.get(meta, headers=h), 404) == "Image not found."


# -- os-hosts ---------------------------------------------------------------------------------------
def test_os_hosts_lists_shows_and_updates_hosts(client: TestClient, admin_token: str) -> None:
    h = hdr(admin_token, "2.42")
    hosts = client.get(f"{API}/os-hosts", headers=h).json()["hosts"]
    computes = [x for x in hosts if x["service"] == "compute"]
    assert computes and {"conductor", "scheduler"} <= {x["service"] for x in hosts}
    name, zone = computes[0]["host_name"], computes[0]["zone"]
    assert computes[0] in client.get(f"{API}/os-hosts?zone={zone}", headers=h).json()["hosts"]
    assert client.get(f"{API}/os-hosts?zone=xxx", headers=h).json()["hosts"] == []
    report = client.get(f"{API}/os-hosts/{name}", headers=h).json()["host"]
    projects = [line["resource"]["project"] for line in report]
    assert projects[:3] == ["(total)", "(used_now)", "(used_max)"]
    assert all(line["resource"]["host"] == name for line in report)
    assert report[0]["resource"]["cpu"] > 0
    off = client.put(f"{API}/os-hosts/{name}", json={"status": "Disable"}, headers=h)
    assert off.json() == {"host": name, "status": "disabled"}
    assert name not in [x["host_name"] for x in client.get(f"{API}/os-hosts", headers=h).json()["hosts"]]
    on = client.put(f"{API}/os-hosts/{name}", json={"status": "enable"}, headers=h)
    assert on.json() == {"host": name, "status": "enabled"}
    assert "'status' or 'maintenance_mode'" in fault(
        client.put(f"{API}/os-hosts/{name}", json={}, headers=h), 400
    )
    assert fault(client.put(f"{API}/os-hosts/{name}", json={"status": "bad"}, headers=h), 400)
    maintenance = client.put(f"{API}/os-hosts/{name}", json={"maintenance_mode": "enable"}, headers=h)
    assert maintenance.status_code == 501
    assert client.get(f"{API}/os-hosts/{name}/reboot", headers=h).status_code == 501
    assert fault(client.get(f"{API}/os-hosts/nowhere/startup", headers=h), 404)
    assert fault(client.get(f"{API}/os-hosts/nowhere", headers=h), 404)


def test_os_hosts_is_admin_only_and_gone_from_2_43(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    assert fault(client.get(f"{API}/os-hosts", headers=hdr(demo_token, "2.42")), 403)
    assert fault(client.get(f"{API}/os-hosts/any/shutdown", headers=hdr(demo_token, "2.42")), 403)
    assert fault(client.get(f"{API}/os-hosts", headers=hdr(admin_token, "2.43")), 404) == NOT_FOUND


# -- os-instance_usage_audit_log --------------------------------------------------------------------
def test_usage_audit_log_reports_the_last_month(
    client: TestClient, admin_token: str, demo_token: str
) -> None:
    h = hdr(admin_token, "2.1")
    logs = client.get(f"{API}/os-instance_usage_audit_log", headers=h).json()["instance_usage_audit_logs"]
    assert logs["num_hosts"] == logs["num_hosts_not_run"] == len(logs["hosts_not_run"]) > 0
    assert logs["log"] == {} and logs["total_instances"] == 0
    shown = client.get(f"{API}/os-instance_usage_audit_log/2024-03-15%2010:00:00", headers=h).json()
    period = shown["instance_usage_audit_log"]
    assert (period["period_beginning"], period["period_ending"]) == (
        "2024-02-01 00:00:00",
        "2024-03-01 00:00:00",
    )
    assert period["overall_status"] == f"0 of {period['num_hosts']} hosts done. 0 errors."
    bad = client.get(f"{API}/os-instance_usage_audit_log/invalid_time", headers=h)
    assert fault(bad, 400) == "Invalid timestamp for date invalid_time"
    assert fault(client.get(f"{API}/os-instance_usage_audit_log", headers=hdr(demo_token, "2.1")), 403)
