"""Compute microversion negotiation, its response headers, Nova's fault envelope and the
version discovery documents."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.datastructures import Headers
from starlette.requests import Request

from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21 import versions
from pocketstack.api.compute_v21.errors import FAULT_NAMES, render_error
from pocketstack.api.compute_v21.microversions import (
    LEGACY_VERSION,
    MAX_VERSION,
    MIN_VERSION,
    Version,
    negotiate,
    response_headers,
)
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import (
    BadRequest,
    Conflict,
    NotAcceptable,
    NotFound,
    NotImplementedYet,
    PocketstackError,
)

NEW = "OpenStack-API-Version"
OLD = "X-OpenStack-Nova-API-Version"


# --- negotiate ---------------------------------------------------------------------------------


def test_version_prints_as_major_dot_minor() -> None:
    assert str(Version(2, 79)) == "2.79"
    assert (MIN_VERSION, MAX_VERSION, LEGACY_VERSION) == ((2, 1), (2, 104), (2, 0))


def test_no_header_means_the_minimum() -> None:
    assert negotiate({}) == MIN_VERSION


def test_new_header() -> None:
    assert negotiate({NEW: "compute 2.79"}) == Version(2, 79)


def test_legacy_header() -> None:
    assert negotiate({OLD: "2.79"}) == Version(2, 79)


def test_new_header_wins_over_legacy() -> None:
    assert negotiate({NEW: "compute 2.60", OLD: "2.10"}) == Version(2, 60)


def test_header_names_are_case_insensitive() -> None:
    assert negotiate({"openstack-api-version": "compute 2.5"}) == Version(2, 5)
    assert negotiate({"x-openstack-nova-api-version": "2.6"}) == Version(2, 6)


def test_starlette_headers() -> None:
    headers = Headers(raw=[(b"openstack-api-version", b"image 2.1, compute 2.42")])
    assert negotiate(headers) == Version(2, 42)


def test_other_services_are_ignored() -> None:
    assert negotiate({NEW: "compute 2.5, image 2.1"}) == Version(2, 5)
    assert negotiate({NEW: "image 2.1, compute 2.5"}) == Version(2, 5)


def test_service_name_is_case_insensitive() -> None:
    assert negotiate({NEW: "Compute 2.5"}) == Version(2, 5)


def test_new_header_without_compute_falls_back_to_legacy_then_minimum() -> None:
    assert negotiate({NEW: "image 2.1", OLD: "2.7"}) == Version(2, 7)
    assert negotiate({NEW: "image 2.1"}) == MIN_VERSION


def test_entry_without_service_name_is_skipped_like_nova() -> None:
    assert negotiate({NEW: "2.5"}) == MIN_VERSION
    assert negotiate({NEW: "2.5", OLD: "2.7"}) == Version(2, 7)


def test_last_compute_entry_wins() -> None:
    assert negotiate({NEW: "compute 2.5, compute 2.7"}) == Version(2, 7)


def test_repeated_header_lines_are_folded() -> None:
    headers = Headers(
        raw=[(b"openstack-api-version", b"compute 2.5"), (b"openstack-api-version", b"image 2.1")]
    )
    assert negotiate(headers) == Version(2, 5)


def test_surrounding_whitespace_is_accepted() -> None:
    assert negotiate({NEW: "  compute   2.5  "}) == Version(2, 5)
    assert negotiate({OLD: " 2.5 "}) == Version(2, 5)


def test_latest() -> None:
    assert negotiate({NEW: "compute latest"}) == MAX_VERSION
    assert negotiate({OLD: "latest"}) == MAX_VERSION


@pytest.mark.parametrize("version", [MIN_VERSION, MAX_VERSION])
def test_bounds_are_accepted(version: Version) -> None:
    assert negotiate({NEW: f"compute {version}"}) == version
    assert negotiate({OLD: str(version)}) == version


@pytest.mark.parametrize("value", ["2.105", "2.0", "2.200", "3.0", "1.1"])
def test_out_of_range_is_406(value: str) -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate({NEW: f"compute {value}"})
    assert caught.value.status == 406
    assert caught.value.code == "request.version_not_acceptable"
    assert caught.value.message == (
        f"Version {value} is not supported by the API. Minimum is 2.1 and maximum is 2.104."
    )


def test_2_0_via_legacy_header_is_406_not_legacy_mode() -> None:
    # Nova too: "2.0" parses, then fails the range check; only the /v2 URL selects v2.0.
    with pytest.raises(NotAcceptable):
        negotiate({OLD: "2.0"})


@pytest.mark.parametrize(
    "headers",
    [
        {NEW: "compute 2"},
        {NEW: "compute abc"},
        {NEW: "compute v2.1"},
        {NEW: "compute 2.01"},
        {NEW: "compute 2.5 extra"},
        {NEW: "compute Latest"},
        {OLD: "2.x"},
        {OLD: "3.1.1"},
        {OLD: "02.1"},
        {OLD: ""},
    ],
)
def test_malformed_is_400_naming_the_value(headers: dict[str, str]) -> None:
    with pytest.raises(BadRequest) as caught:
        negotiate(headers)
    assert caught.value.status == 400
    value = next(iter(headers.values())).strip()
    value = value.split(None, 1)[1] if value.lower().startswith("compute ") else value
    assert repr(value) in caught.value.message


def test_malformed_new_header_is_400_even_with_a_good_legacy_one() -> None:
    with pytest.raises(BadRequest):
        negotiate({NEW: "compute 2.x", OLD: "2.5"})


# --- response_headers --------------------------------------------------------------------------


def test_response_headers() -> None:
    assert response_headers(Version(2, 79)) == {
        "OpenStack-API-Version": "compute 2.79",
        "X-OpenStack-Nova-API-Version": "2.79",
        "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version",
    }


def test_legacy_v2_responses_carry_no_version_headers() -> None:
    assert response_headers(LEGACY_VERSION) == {}


# --- render_error ------------------------------------------------------------------------------


def _rendered(exc: PocketstackError) -> tuple[int, dict]:
    response = render_error(exc, None, None)
    assert response.headers["content-type"] == "application/json"
    return response.status_code, orjson.loads(response.body)


def test_404_is_item_not_found() -> None:
    status, body = _rendered(NotFound("server", "abc"))
    assert status == 404
    assert body == {"itemNotFound": {"code": 404, "message": "Could not find server: abc."}}


def test_409_is_conflicting_request() -> None:
    status, body = _rendered(Conflict("Cannot 'reboot' instance while it is in vm_state building."))
    assert status == 409
    assert body == {
        "conflictingRequest": {
            "code": 409,
            "message": "Cannot 'reboot' instance while it is in vm_state building.",
        }
    }


def test_501_is_not_implemented() -> None:
    status, body = _rendered(NotImplementedYet("Remote consoles are not provided by pocketstack."))
    assert status == 501
    assert body == {
        "notImplemented": {"code": 501, "message": "Remote consoles are not provided by pocketstack."}
    }


def test_500_is_compute_fault() -> None:
    status, body = _rendered(PocketstackError("An unexpected error prevented the request."))
    assert status == 500
    assert body == {"computeFault": {"code": 500, "message": "An unexpected error prevented the request."}}


def test_406_is_compute_fault_as_in_nova() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate({OLD: "2.105"})
    status, body = _rendered(caught.value)
    assert status == 406
    assert list(body) == ["computeFault"]
    assert body["computeFault"]["code"] == 406


def test_fault_names_follow_nova() -> None:
    assert FAULT_NAMES[400] == "badRequest"
    assert FAULT_NAMES[413] == FAULT_NAMES[429] == "overLimit"
    assert 406 not in FAULT_NAMES and 500 not in FAULT_NAMES


def test_exception_headers_pass_through_and_retry_after_is_repeated() -> None:
    exc = PocketstackError("Slow down.")
    exc.status = 429
    exc.headers = {"Retry-After": "30"}  # type: ignore[attr-defined]
    response = render_error(exc, None, None)
    assert response.headers["retry-after"] == "30"
    assert orjson.loads(response.body) == {
        "overLimit": {"code": 429, "message": "Slow down.", "retryAfter": "30"}
    }


# --- version documents -------------------------------------------------------------------------


def _api_request(path: str, root_path: str = "/compute") -> ApiRequest:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8770),
        "path": path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8770")],
        "path_params": {},
    }
    endpoint = Endpoint("GET", "/", versions.list_versions, None, authenticated=False)
    no_cloud: Any = None  # the version documents need no services
    return ApiRequest(Request(scope), endpoint, no_cloud, RequestContext(request_id="req-1"), b"")


def test_versions_list() -> None:
    response = versions.list_versions(_api_request("/compute/"))
    assert response.status_code == 200
    body = orjson.loads(response.body)
    assert body == {
        "versions": [
            {
                "id": "v2.0",
                "status": "DEPRECATED",
                "version": "",
                "min_version": "",
                "updated": "2025-07-04T12:00:00Z",
                "links": [{"rel": "self", "href": "http://127.0.0.1:8770/compute/v2/"}],
            },
            {
                "id": "v2.1",
                "status": "CURRENT",
                "version": "2.104",
                "min_version": "2.1",
                "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": "http://127.0.0.1:8770/compute/v2.1/"}],
            },
        ]
    }


@pytest.mark.parametrize(
    ("path", "root_path"),
    [("/compute/v2.1/", "/compute"), ("/compute/v2.1/", "/compute/v2.1"), ("/compute/v2.1", "/compute")],
)
def test_show_v2_1(path: str, root_path: str) -> None:
    body = orjson.loads(versions.show_version(_api_request(path, root_path)).body)
    assert body == {
        "version": {
            "id": "v2.1",
            "status": "CURRENT",
            "version": "2.104",
            "min_version": "2.1",
            "updated": "2013-07-23T11:33:21Z",
            "links": [
                {"rel": "self", "href": "http://127.0.0.1:8770/compute/v2.1/"},
                {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
            ],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}
            ],
        }
    }


def test_show_v2_0() -> None:
    body = orjson.loads(versions.show_version(_api_request("/compute/v2/")).body)["version"]
    assert (body["id"], body["status"], body["version"], body["min_version"]) == (
        "v2.0",
        "DEPRECATED",
        "",
        "",
    )
    assert body["links"][0] == {"rel": "self", "href": "http://127.0.0.1:8770/compute/v2/"}
    assert body["media-types"][0]["type"] == "application/vnd.openstack.compute+json;version=2"
