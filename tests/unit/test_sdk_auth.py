"""The SDK's Keystone v3 plans, driven by a fake identity service."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from pocketstack.sdk.auth import (
    Authenticator,
    AuthState,
    Catalog,
    Endpoint,
    auth_state,
    normalise_auth,
    normalise_auth_url,
    parse_time,
)
from pocketstack.sdk.exceptions import ConfigError, EndpointNotFound, SDKError, Unauthorized
from pocketstack.sdk.plan import Call, Request, Response

T = TypeVar("T")
URL = "https://cloud.example/identity/v3"

CATALOG = [
    {
        "type": "compute",
        "name": "nova",
        "endpoints": [
            {"interface": "public", "region": "One", "region_id": "One", "url": "https://one/compute/v2.1/"},
            {"interface": "internal", "region": "One", "region_id": "One", "url": "http://in-one/compute"},
            {"interface": "public", "region": "Two", "region_id": "Two", "url": "https://two/compute/v2.1"},
        ],
    },
    {
        "type": "identity",
        "name": "keystone",
        "endpoints": [{"interface": "public", "region": "One", "url": "https://one/identity"}],
    },
    {"type": "image", "name": "glance", "endpoints": []},
]


def drive(plan: Call[T], answer: Callable[[Request], Response]) -> T:
    """Runs ``plan``, answering each request with ``answer``."""
    sent: Any = None
    while True:
        try:
            step = plan.send(sent)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        assert isinstance(step, Request)
        sent = answer(step)


def token_body(lifetime: float = 3600.0, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "methods": ["password"],
        "user": {"id": "u1", "name": "alice", "domain": {"id": "default", "name": "Default"}},
        "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "expires_at": (now + timedelta(seconds=lifetime)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "reader"}],
        "catalog": CATALOG,
    }
    body.update(extra)
    return {"token": body}


class Keystone:
    """A fake identity service that records the auth requests it answers."""

    def __init__(self, lifetime: float = 3600.0, status: int = 201, token: str | None = "tok") -> None:
        self.lifetime = lifetime
        self.status = status
        self.token = token
        self.bodies: list[dict[str, Any]] = []
        self.count = 0

    def __call__(self, request: Request) -> Response:
        assert request.method == "POST" and request.url == f"{URL}/auth/tokens"
        assert isinstance(request.content, bytes)
        self.bodies.append(json.loads(request.content))
        self.count += 1
        headers = {"x-openstack-request-id": f"req-{self.count}", "content-type": "application/json"}
        if self.status != 201:
            content = json.dumps({"error": {"code": self.status, "message": "bad credentials"}}).encode()
            return Response(self.status, headers, content, request.method, request.url)
        if self.token is not None:
            headers["x-subject-token"] = f"{self.token}-{self.count}"
        content = json.dumps(token_body(self.lifetime)).encode()
        return Response(201, headers, content, request.method, request.url)


def authenticator(auth_type: str = "password", **auth: Any) -> Authenticator:
    return Authenticator(URL, auth_type=auth_type, auth=auth)


# -- URLs and times ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "given",
    [
        "https://cloud.example/identity",
        "https://cloud.example/identity/",
        "https://cloud.example/identity/v3",
        "https://cloud.example/identity/v3/",
        "https://cloud.example/identity/v2.0",
    ],
)
def test_auth_url_is_normalised_to_v3(given: str) -> None:
    assert normalise_auth_url(given) == URL


def test_auth_url_must_be_http() -> None:
    with pytest.raises(ConfigError):
        normalise_auth_url("cloud.example/identity")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05.000000Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05.123456789Z", datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2030-01-02T05:04:05+02:00", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_times_parse_to_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["", "tomorrow", None, 12])
def test_bad_times_raise(bad: Any) -> None:
    with pytest.raises(SDKError):
        parse_time(bad)


# -- catalog ----------------------------------------------------------------------------------------
def test_catalog_lookups() -> None:
    catalog = Catalog(CATALOG)
    assert catalog.service_types() == ["compute", "identity"]  # image has no endpoints
    assert catalog.url("compute") == "https://one/compute/v2.1"
    assert catalog.url("compute", region="Two") == "https://two/compute/v2.1"
    assert catalog.url("compute", "internalURL") == "http://in-one/compute"
    assert catalog.url("compute", "publicURL", "One") == "https://one/compute/v2.1"
    assert catalog.url("identity", region="One") == "https://one/identity"
    assert catalog.endpoints("compute")[2] == Endpoint("compute", "public", "Two", "https://two/compute/v2.1")
    assert catalog.regions() == ["One", "Two"]


def test_catalog_misses_say_what_exists() -> None:
    catalog = Catalog(CATALOG)
    with pytest.raises(EndpointNotFound, match=r"'network'.*compute, identity"):
        catalog.url("network")
    with pytest.raises(EndpointNotFound, match=r"admin endpoint for service type 'compute'.*public in One"):
        catalog.url("compute", "admin")
    with pytest.raises(EndpointNotFound, match=r"region 'Three'"):
        catalog.url("compute", region="Three")
    with pytest.raises(ConfigError):
        catalog.url("compute", "sideways")
    assert Catalog().service_types() == []


# -- request bodies ---------------------------------------------------------------------------------
def sent_auth(auth: Authenticator) -> dict[str, Any]:
    keystone = Keystone()
    drive(auth.authenticate(), keystone)
    return keystone.bodies[0]["auth"]  # type: ignore[no-any-return]


def test_password_by_name_defaults_to_the_default_domain() -> None:
    body = sent_auth(authenticator(username="alice", password="pw", project_name="demo"))
    assert body["identity"] == {
        "methods": ["password"],
        "password": {"user": {"name": "alice", "domain": {"name": "Default"}, "password": "pw"}},
    }
    assert body["scope"] == {"project": {"name": "demo", "domain": {"name": "Default"}}}


def test_password_by_ids_and_domain_ids() -> None:
    body = sent_auth(authenticator("v3password", user_id="u1", password="pw", project_id="p1"))
    assert body["identity"]["password"]["user"] == {"id": "u1", "password": "pw"}
    assert body["scope"] == {"project": {"id": "p1"}}
    body = sent_auth(
        authenticator(
            username="alice", password="pw", user_domain_id="d1", project_name="x", project_domain_id="d2"
        )
    )
    assert body["identity"]["password"]["user"]["domain"] == {"id": "d1"}
    assert body["scope"] == {"project": {"name": "x", "domain": {"id": "d2"}}}


def test_domain_given_with_a_project_is_the_users_and_projects_domain() -> None:
    body = sent_auth(authenticator(username="alice", password="pw", project_name="x", domain_name="Ops"))
    assert body["identity"]["password"]["user"]["domain"] == {"name": "Ops"}
    assert body["scope"] == {"project": {"name": "x", "domain": {"name": "Ops"}}}


def test_domain_system_and_no_scope() -> None:
    assert sent_auth(authenticator(username="a", password="p", domain_name="Ops"))["scope"] == {
        "domain": {"name": "Ops"}
    }
    assert sent_auth(authenticator(username="a", password="p", domain_id="d1"))["scope"] == {
        "domain": {"id": "d1"}
    }
    assert sent_auth(authenticator(username="a", password="p", system_scope="all"))["scope"] == {
        "system": {"all": True}
    }
    assert "scope" not in sent_auth(authenticator(username="a", password="p"))


def test_token_and_application_credential_bodies() -> None:
    body = sent_auth(authenticator("v3token", token="old", project_id="p1"))
    assert body["identity"] == {"methods": ["token"], "token": {"id": "old"}}
    assert body["scope"] == {"project": {"id": "p1"}}
    body = sent_auth(
        authenticator(
            "v3applicationcredential",
            application_credential_id="c1",
            application_credential_secret="s",
            project_name="ignored",
        )
    )
    assert body == {
        "identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": "c1", "secret": "s"},
        }
    }
    body = sent_auth(
        authenticator(
            "v3applicationcredential",
            application_credential_name="backup",
            username="alice",
            application_credential_secret="s",
        )
    )
    assert body["identity"]["application_credential"] == {
        "name": "backup",
        "user": {"name": "alice", "domain": {"name": "Default"}},
        "secret": "s",
    }


@pytest.mark.parametrize(
    ("auth_type", "auth", "message"),
    [
        ("password", {"username": "a"}, "needs a password"),
        ("password", {"password": "hunter2-secret"}, "username or a user_id"),
        ("token", {}, "needs a token"),
        ("v3applicationcredential", {"application_credential_id": "c"}, "secret"),
        ("v3applicationcredential", {"application_credential_secret": "hunter2-secret"}, "_id or _name"),
        (
            "v3applicationcredential",
            {"application_credential_name": "n", "application_credential_secret": "x"},
            "user",
        ),
        (
            "password",
            {"username": "a", "password": "hunter2-secret", "project_id": "p", "system_scope": "all"},
            "scope",
        ),
        ("password", {"username": "a", "password": "p", "system_scope": "some"}, "system_scope"),
        ("v3oidcpassword", {}, "unsupported auth_type"),
    ],
)
def test_incomplete_credentials_are_config_errors_without_secrets(
    auth_type: str, auth: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Authenticator(URL, auth_type=auth_type, auth=auth)
    assert "hunter2" not in str(info.value)


def test_normalise_auth_aliases_and_defaults() -> None:
    assert normalise_auth({"user_name": "a", "tenant_name": "t", "password": None}) == {
        "username": "a",
        "project_name": "t",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    assert normalise_auth({"username": "real", "user_name": "alias"})["username"] == "real"
    assert normalise_auth({"user_id": "u", "project_id": "p"}) == {"user_id": "u", "project_id": "p"}


# -- responses --------------------------------------------------------------------------------------
def test_authenticate_reads_the_token_and_body() -> None:
    auth = authenticator(username="alice", password="pw", project_name="demo")
    state = drive(auth.authenticate(), Keystone())
    assert state.token == "tok-1"
    assert (state.user_id, state.project_id, state.domain_id, state.system) == ("u1", "p1", None, False)
    assert state.roles == ["member", "reader"]
    assert state.catalog.url("compute") == "https://one/compute/v2.1"
    assert state.expires_at.tzinfo is not None
    assert 3590 < state.seconds_left() <= 3600
    assert auth.cached is state
    assert "tok-1" not in repr(state)
    assert "pw" not in repr(auth)


def test_auth_state_reads_domain_and_system_scopes() -> None:
    body = token_body()
    del body["token"]["project"]
    body["token"]["system"] = {"all": True}
    state = auth_state("t", body)
    assert state.system and state.project_id is None
    body["token"]["domain"] = {"id": "d1", "name": "Ops"}
    del body["token"]["system"]
    state = auth_state("t", body)
    assert state.domain_id == "d1" and not state.system
    with pytest.raises(SDKError):
        auth_state("t", {"token": {"user": {"id": "u"}}})  # no expiry


def test_unauthorized_carries_the_servers_message_and_no_password() -> None:
    auth = authenticator(username="alice", password="hunter2-secret", project_name="demo")
    with pytest.raises(Unauthorized) as info:
        drive(auth.authenticate(), Keystone(status=401))
    assert info.value.status_code == 401
    assert info.value.request_id == "req-1"
    assert info.value.message == "bad credentials"
    assert "hunter2" not in str(info.value)
    assert auth.cached is None


def test_an_answer_without_a_token_header_is_an_error() -> None:
    with pytest.raises(SDKError, match="X-Subject-Token"):
        drive(authenticator(username="a", password="p").authenticate(), Keystone(token=None))


# -- the cache --------------------------------------------------------------------------------------
def test_state_is_cached_until_it_nears_expiry() -> None:
    keystone = Keystone()
    auth = authenticator(username="a", password="p")
    first = drive(auth.state(), keystone)
    assert drive(auth.state(), keystone) is first
    assert keystone.count == 1

    auth.adopt(replace(first, expires_at=datetime.now(UTC) - timedelta(seconds=5)))
    assert drive(auth.state(), keystone).token == "tok-2"
    assert keystone.count == 2

    current = auth.cached
    assert current is not None
    now = datetime.now(UTC)
    auth.adopt(replace(current, issued_at=now - timedelta(hours=1), expires_at=now + timedelta(seconds=50)))
    drive(auth.state(margin=60), keystone)  # expires within the margin
    assert keystone.count == 3
    drive(auth.state(margin=30), keystone)  # a fresh hour-long token
    assert keystone.count == 3


def test_short_lived_tokens_are_renewed_at_a_quarter_of_their_life() -> None:
    now = datetime.now(UTC)
    state = AuthState(
        token="t",
        expires_at=now + timedelta(seconds=20),
        catalog=Catalog(),
        user_id="u",
        project_id=None,
        domain_id=None,
        system=False,
        roles=[],
        body={},
        issued_at=now - timedelta(seconds=40),
    )
    # a 60 s token with 20 s left: more than a quarter, so still fresh despite the 60 s margin
    assert Authenticator.fresh(state, margin=60, now=now)
    assert not Authenticator.fresh(state, margin=60, now=now + timedelta(seconds=6))
    # without an issue time, only the margin counts
    assert not Authenticator.fresh(replace(state, issued_at=None), margin=60, now=now)

    keystone = Keystone(lifetime=60)
    auth = authenticator(username="a", password="p")
    drive(auth.state(margin=60), keystone)
    drive(auth.state(margin=60), keystone)
    assert keystone.count == 1


def test_invalidate_drops_only_the_named_token() -> None:
    keystone = Keystone()
    auth = authenticator(username="a", password="p")
    state = drive(auth.state(), keystone)
    auth.invalidate("another")
    assert auth.cached is state
    auth.invalidate(state.token)
    assert auth.cached is None
    drive(auth.state(), keystone)
    auth.invalidate()
    assert auth.cached is None
    assert keystone.count == 2


def test_token_auth_that_has_expired_raises_unauthorized() -> None:
    keystone = Keystone()
    auth = authenticator("token", token="given", project_id="p1")
    drive(auth.state(), keystone)
    auth.invalidate()
    keystone.status = 401
    with pytest.raises(Unauthorized):
        drive(auth.state(), keystone)
