"""First start: the Default domain, the default roles (those ``keystone-manage bootstrap``
makes), the admin and demo projects and users, and the catalog. Later starts only bring the
catalog's URLs up to date."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.identity.assignments import SYSTEM_TARGET, USER_PROJECT, USER_SYSTEM
from pocketstack.core.identity.common import new_id, utcnow
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.store.db import Database
from pocketstack.store.models import (
    Assignment,
    Domain,
    Endpoint,
    ImpliedRole,
    Meta,
    Project,
    Region,
    Role,
    Service,
    User,
)

DEFAULT_DOMAIN_ID = "default"
# keystone-manage bootstrap: admin -> manager -> member -> reader; service implies nothing.
ROLE_CHAIN = ("admin", "manager", "member", "reader")
OTHER_ROLES = ("service",)
INTERFACES = ("public", "internal", "admin")
# (service type, service name, path under the base URL); later services append theirs.
CATALOG = [
    ("identity", "keystone", "/identity"),
    ("image", "glance", "/image"),
    ("compute", "nova", "/compute/v2.1"),
    ("network", "neutron", "/network"),
]
_BASE_URL_KEY = "catalog_base_url"


@dataclass(frozen=True)
class Account:
    """A bootstrap user: its name, its project and the role it holds there."""

    user: str
    project: str
    role: str
    password: str
    # False when the password is the one kept from an earlier start: no need to pay for a
    # hash verification to learn it did not change.
    check_password: bool = True


def _role(s: Session, name: str) -> Role:
    role = s.scalar(select(Role).where(Role.name == name, Role.domain_id.is_(None)))
    if role is None:
        role = Role(id=new_id(), name=name, domain_id=None, description="", options={}, extra={})
        s.add(role)
        s.flush()
    return role


def _account(s: Session, acct: Account, verifier: PasswordVerifier) -> None:
    now = utcnow()
    project = s.scalar(
        select(Project).where(Project.name == acct.project, Project.domain_id == DEFAULT_DOMAIN_ID)
    )
    if project is None:
        project = Project(
            id=new_id(),
            name=acct.project,
            domain_id=DEFAULT_DOMAIN_ID,
            parent_id=None,
            description=f"Bootstrap project {acct.project}",
            enabled=True,
            tags=[],
            extra={},
            created_at=now,
        )
        s.add(project)
    user = s.scalar(select(User).where(User.name == acct.user, User.domain_id == DEFAULT_DOMAIN_ID))
    if user is None:
        user = User(
            id=new_id(),
            name=acct.user,
            domain_id=DEFAULT_DOMAIN_ID,
            enabled=True,
            default_project_id=project.id,
            password_hash=verifier.hash(acct.password),
            password_created_at=now,
            description="",
            options={},
            extra={},
            created_at=now,
        )
        s.add(user)
    elif acct.check_password and not verifier.verify(user.id, acct.password, user.password_hash):
        user.password_hash = verifier.hash(acct.password)
        user.password_created_at = now
    s.flush()
    role = _role(s, acct.role)
    grants = [(USER_PROJECT, project.id)]
    if acct.role == "admin":
        grants.append((USER_SYSTEM, SYSTEM_TARGET))
    for kind, target in grants:
        key = {
            "kind": kind,
            "actor_id": user.id,
            "target_id": target,
            "role_id": role.id,
            "inherited": False,
        }
        if s.get(Assignment, key) is None:
            s.add(Assignment(**key))


def _catalog(s: Session, base_url: str, region: str) -> None:
    if s.get(Region, region) is None:
        s.add(Region(id=region, description="", parent_region_id=None, extra={}))
    meta = s.get(Meta, _BASE_URL_KEY)
    old_base = meta.value if meta else None
    for stype, name, path in CATALOG:
        service = s.scalar(select(Service).where(Service.type == stype, Service.name == name))
        if service is None:
            service = Service(id=new_id(), type=stype, name=name, description="", enabled=True, extra={})
            s.add(service)
            s.flush()
            for interface in INTERFACES:
                s.add(
                    Endpoint(
                        id=new_id(),
                        service_id=service.id,
                        interface=interface,
                        region_id=region,
                        url=base_url + path,
                        enabled=True,
                        extra={},
                    )
                )
    if old_base and old_base != base_url:
        for endpoint in s.scalars(select(Endpoint)):
            if endpoint.url.startswith(old_base):
                endpoint.url = base_url + endpoint.url[len(old_base) :]
    if meta is None:
        s.add(Meta(key=_BASE_URL_KEY, value=base_url))
    else:
        meta.value = base_url


def bootstrap(
    db: Database, verifier: PasswordVerifier, accounts: list[Account], base_url: str, region: str
) -> None:
    """Idempotent: creates what is missing and resets a bootstrap password that differs."""
    with db.transaction() as s:
        if s.get(Domain, DEFAULT_DOMAIN_ID) is None:
            s.add(
                Domain(
                    id=DEFAULT_DOMAIN_ID,
                    name="Default",
                    description="The default domain",
                    enabled=True,
                    extra={},
                    created_at=utcnow(),
                )
            )
            s.flush()
        roles = [_role(s, name) for name in ROLE_CHAIN]
        for prior, implied in zip(roles, roles[1:], strict=False):
            if s.get(ImpliedRole, (prior.id, implied.id)) is None:
                s.add(ImpliedRole(prior_role_id=prior.id, implied_role_id=implied.id))
        # As bootstrap does since the manager role exists: admin reaches member through it.
        stale = s.get(ImpliedRole, (roles[0].id, roles[2].id))
        if stale is not None:
            s.delete(stale)
        for name in OTHER_ROLES:
            _role(s, name)
        for acct in accounts:
            _account(s, acct, verifier)
        _catalog(s, base_url, region)
