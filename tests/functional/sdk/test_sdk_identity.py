"""pocketstack.sdk's Identity v3 proxy against the in-process cloud: what an openstacksdk user
would check (values round-trip, changes land, filters filter, errors carry Keystone's words)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from pocketstack.sdk.auth import AuthState
from pocketstack.sdk.connection import Connection
from pocketstack.sdk.exceptions import Forbidden, MultipleMatches, NotFound
from pocketstack.sdk.identity.v3.proxy import AsyncIdentityProxy, IdentityProxy
from pocketstack.sdk.identity.v3.resources import Project, User
from pocketstack.sdk.proxy import plan_names
from tests.functional import sdk_support


def _me(conn: Connection) -> AuthState:
    """The connection's user and project (Connection has no current_user_id yet)."""
    return conn._runner.run(conn.session.authenticator.state())


def test_sync_and_async_proxies_declare_the_same_methods(sdk_admin: Connection) -> None:
    assert plan_names(IdentityProxy) == plan_names(AsyncIdentityProxy)
    assert sdk_admin.identity.v3 is sdk_admin.identity


def test_project_create_get_find_update_delete(sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    project = idn.create_project(name="sdk-p", description="first", tags=["a"])
    assert isinstance(project, Project)
    assert project.id and project.is_enabled is True and project.domain_id == "default"

    again = idn.get_project(project.id)
    assert (again.name, again.description, again.tags) == ("sdk-p", "first", ["a"])
    assert idn.find_project("sdk-p") is not None
    assert idn.find_project(project.id).id == project.id  # type: ignore[union-attr]
    assert idn.find_project("no-such-project") is None
    with pytest.raises(NotFound):
        idn.find_project("no-such-project", ignore_missing=False)

    # Only the changed field is sent (PATCH), and the change is really stored.
    assert again.changes() == {}
    again.description = "second"
    assert again.changes() == {"description": "second"}
    idn.update_project(again, is_enabled=False)
    reread = idn.get_project(project.id)
    assert (reread.description, reread.is_enabled) == ("second", False)

    assert [p.name for p in idn.projects(name="sdk-p")] == ["sdk-p"]
    idn.delete_project(project)
    with pytest.raises(NotFound) as err:
        idn.get_project(project.id)
    assert err.value.status_code == 404 and err.value.request_id
    idn.delete_project(project.id)  # gone already: fine by default
    with pytest.raises(NotFound):
        idn.delete_project(project.id, ignore_missing=False)


def test_users_password_is_create_only_and_works_for_login(client: TestClient, sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    project = idn.create_project(name="sdk-u-home")
    user = idn.create_user(name="sdk-u", password="s3cret-pass", default_project_id=project.id, email="u@x")
    assert isinstance(user, User) and user.password is None or user.password == "s3cret-pass"
    assert "password" not in idn.get_user(user.id).to_wire()
    found = idn.find_user("sdk-u")
    assert found is not None and found.default_project_id == project.id and found.email == "u@x"
    assert [u.name for u in idn.users(name="sdk-u")] == ["sdk-u"]

    member = idn.find_role("member")
    assert member is not None
    idn.assign_project_role_to_user(project, user, member)
    other = sdk_support.connect(client, "sdk-u", "s3cret-pass", "sdk-u-home")
    assert [p.name for p in other.identity.user_projects(user.id)] == ["sdk-u-home"]

    updated = idn.update_user(user.id, email="v@x", password="ignored-on-update")
    assert updated.email == "v@x"
    # The password did not change: it is create-only.
    sdk_support.connect(client, "sdk-u", "s3cret-pass", "sdk-u-home").identity.get_project(project.id)
    idn.delete_user(user)
    assert idn.find_user("sdk-u") is None


def test_domains_and_find_by_name(sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    names = [d.name for d in idn.domains()]
    assert "Default" in names
    default = idn.find_domain("Default")
    assert default is not None and default.id == "default" and default.is_enabled
    domain = idn.create_domain(name="sdk-dom", description="d")
    assert idn.get_domain(domain.id).description == "d"
    idn.update_domain(domain, is_enabled=False)
    assert idn.get_domain(domain.id).is_enabled is False
    idn.delete_domain(domain)
    assert idn.find_domain("sdk-dom") is None


def test_roles_and_assignments(sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    role = idn.create_role(name="sdk-role", description="for tests")
    assert idn.find_role("sdk-role").id == role.id  # type: ignore[union-attr]
    assert [r.name for r in idn.roles(name="sdk-role")] == ["sdk-role"]
    assert {"admin", "member", "reader"} <= {r.name for r in idn.roles()}

    project = idn.create_project(name="sdk-ra")
    demo = idn.find_user("demo")
    assert demo is not None
    assert idn.validate_user_has_project_role(project, demo, role) is False
    idn.assign_project_role_to_user(project, demo, role)
    assert idn.validate_user_has_project_role(project.id, demo.id, role.id) is True

    rows = list(idn.role_assignments(project=project, user=demo))
    assert [(r.role_id, r.user_id, r.project_id) for r in rows] == [(role.id, demo.id, project.id)]
    named = list(idn.role_assignments(scope_project_id=project.id, include_names=True))
    assert named[0].role is not None and named[0].role["name"] == "sdk-role"
    assert list(idn.role_assignments(role=role.id, project=project.id, user=demo.id))

    idn.unassign_project_role_from_user(project, demo, role)
    assert idn.validate_user_has_project_role(project, demo, role) is False
    assert list(idn.role_assignments(project=project)) == []
    with pytest.raises(NotFound):
        idn.unassign_project_role_from_user(project, demo, role)

    idn.update_role(role, description="changed")
    assert idn.get_role(role.id).description == "changed"
    idn.delete_role(role)
    assert idn.find_role("sdk-role") is None


def test_groups_membership_and_group_grants(client: TestClient, sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    group = idn.create_group(name="sdk-g", description="team")
    user = idn.create_user(name="sdk-gu", password="gu-password-1")
    assert idn.check_user_in_group(user, group) is False
    idn.add_user_to_group(user, group)
    assert idn.check_user_in_group(user, group) is True
    assert [u.name for u in idn.group_users(group)] == ["sdk-gu"]
    assert [g.name for g in idn.user_groups(user)] == ["sdk-g"]

    project = idn.create_project(name="sdk-gp")
    member = idn.find_role("member")
    assert member is not None
    idn.assign_project_role_to_group(project, group, member)
    assert idn.validate_group_has_project_role(project, group, member)
    effective = list(idn.role_assignments(user=user, effective=True))
    # Effective: the group's role, and the roles it implies (member -> reader), on that project.
    assert (project.id, member.id) in {(r.project_id, r.role_id) for r in effective}
    assert {r.project_id for r in effective} == {project.id}
    # The member can log in to the project through the group's grant.
    member_conn = sdk_support.connect(client, "sdk-gu", "gu-password-1", "sdk-gp")
    assert member_conn.identity.get_project(project.id).name == "sdk-gp"

    idn.unassign_project_role_from_group(project, group, member)
    assert not idn.validate_group_has_project_role(project, group, member)
    idn.remove_user_from_group(user, group)
    assert list(idn.group_users(group)) == []
    idn.update_group(group, description="renamed team")
    assert idn.find_group("sdk-g").description == "renamed team"  # type: ignore[union-attr]
    idn.delete_group(group)


def test_find_is_ambiguous_across_domains(sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    other = idn.create_domain(name="sdk-other")
    idn.create_project(name="twin")
    idn.create_project(name="twin", domain_id=other.id)
    with pytest.raises(MultipleMatches):
        idn.find_project("twin")
    only = idn.find_project("twin", domain_id=other.id)
    assert only is not None and only.domain_id == other.id


def test_catalog_regions_services_endpoints(sdk_admin: Connection) -> None:
    idn = sdk_admin.identity
    types = {s.type for s in idn.services()}
    assert {"identity", "compute", "image", "compute-vnext"} <= types
    compute = next(iter(idn.services(type="compute")))
    urls = [e.url for e in idn.endpoints(service_id=compute.id, interface="public")]
    assert urls and all("/compute" in (u or "") for u in urls)
    assert list(idn.regions())

    region = idn.create_region(id="sdk-region", description="r")
    assert idn.get_region("sdk-region").description == "r"
    service = idn.create_service(type="sdk-svc", name="sdk-service", description="x")
    endpoint = idn.create_endpoint(
        service_id=service.id, interface="public", url="http://sdk.example/v1", region_id=region.id
    )
    assert idn.get_endpoint(endpoint.id).url == "http://sdk.example/v1"
    idn.update_endpoint(endpoint, url="http://sdk.example/v2")
    assert idn.get_endpoint(endpoint.id).url == "http://sdk.example/v2"
    assert idn.find_service("sdk-service").id == service.id  # type: ignore[union-attr]
    idn.delete_endpoint(endpoint)
    idn.delete_service(service)
    idn.delete_region(region)
    assert idn.find_service("sdk-service") is None


def test_application_credentials_secret_once_and_usable(client: TestClient, sdk: Connection) -> None:
    idn = sdk.identity
    me = _me(sdk)
    expires = datetime.now(UTC) + timedelta(hours=1)
    cred = idn.create_application_credential(me.user_id, "sdk-ac", roles=["member"], expires_at=expires)
    assert cred.secret and cred.id and cred.project_id == me.project_id
    assert "member" in [r["name"] for r in cred.roles or []]  # (with the roles it implies)

    listed = list(idn.application_credentials(me.user_id))
    assert [c.name for c in listed] == ["sdk-ac"] and listed[0].secret is None
    assert idn.get_application_credential(me.user_id, cred.id).secret is None
    assert idn.find_application_credential(me.user_id, "sdk-ac").id == cred.id  # type: ignore[union-attr]

    # The credential logs in (an application_credential auth) and sees the project.
    resp = client.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": cred.id, "secret": cred.secret},
                }
            }
        },
    )
    assert resp.status_code == 201, resp.text

    idn.delete_application_credential(me.user_id, cred)
    assert list(idn.application_credentials(me.user_id)) == []
    with pytest.raises(NotFound):
        idn.delete_application_credential(me.user_id, cred.id, ignore_missing=False)


def test_ec2_credentials_for_s3(sdk: Connection) -> None:
    idn = sdk.identity
    me = _me(sdk)
    blob: dict[str, Any] = {"access": "sdk-access-key", "secret": "sdk-secret-key"}
    cred = idn.create_credential(type="ec2", blob=blob, project_id=me.project_id)
    assert cred.user_id == me.user_id and cred.type == "ec2"
    assert json.loads(idn.get_credential(cred.id).blob or "{}") == blob
    assert [c.id for c in idn.credentials(type="ec2")] == [cred.id]
    idn.update_credential(cred, blob={"access": "sdk-access-key", "secret": "rotated"})
    assert json.loads(idn.get_credential(cred.id).blob or "{}")["secret"] == "rotated"
    idn.delete_credential(cred)
    assert list(idn.credentials()) == []


def test_demo_is_forbidden_admin_calls_with_keystones_message(sdk: Connection) -> None:
    idn = sdk.identity
    with pytest.raises(Forbidden) as err:
        idn.create_project(name="not-allowed")
    exc = err.value
    assert exc.status_code == 403 and exc.request_id and exc.method == "POST"
    assert "not authorized" in exc.message and "identity:projects:create" in exc.message
    assert exc.details["error"]["code"] == 403
    with pytest.raises(Forbidden):
        list(idn.users())
    with pytest.raises(Forbidden):
        idn.create_role(name="nope")
    # What a member may do still works; find falls back to the member's own projects.
    mine = idn.find_project("demo")
    assert mine is not None and mine.id == _me(sdk).project_id
    with pytest.raises(Forbidden):
        idn.find_project("admin")
    assert idn.get_user(_me(sdk).user_id).name == "demo"


def test_async_identity_smoke(client: TestClient) -> None:
    """The async proxy over the same in-process app (httpx's ASGI transport)."""

    async def run() -> tuple[str, list[str]]:
        async with sdk_support.async_connect(client) as conn:
            project = await conn.identity.find_project("demo")
            assert project is not None
            state = conn.session.authenticator.cached
            assert state is not None
            names = [p.name async for p in conn.identity.user_projects(state.user_id)]
            with pytest.raises(Forbidden):
                await conn.identity.create_project(name="nope")
            return str(project.name), [str(n) for n in names]

    assert asyncio.run(run()) == ("demo", ["demo"])
