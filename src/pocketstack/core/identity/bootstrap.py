"""First start: the Default domain, the default roles (those ``keystone-manage bootstrap``
makes), the admin and demo projects and users, and the catalog. Later starts only bring the
catalog's URLs up to date."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.identity.assignments import SYSTEM_TARGET, USER_PROJECT, USER_SYSTEM
from pocketstack.core.identity.bootstrap_accounts import Account, HashesAhead
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
    ("compute-vnext", "nova-vnext", "/compute/vnext"),
    ("network", "neutron", "/network"),
    ("operator", "pocketstack-operator", "/operator"),
    ("object-store", "swift", "/object-store/v1/AUTH_$(project_id)s"),
]
_BASE_URL_KEY = "catalog_base_url"


def _roles(s: Session, names: list[str]) -> dict[str, Role]:
    """The global roles of these names, those missing made (one query when none is)."""
    wanted = list(dict.fromkeys(names))
    found: dict[str, Role] = {}
    for role in s.scalars(select(Role).where(Role.name.in_(wanted), Role.domain_id.is_(None))):
        found.setdefault(role.name, role)
    missing = [name for name in wanted if name not in found]
    for name in missing:
        found[name] = Role(id=new_id(), name=name, domain_id=None, description="", options={}, extra={})
        s.add(found[name])
    if missing:
        s.flush()
    return found


def _accounts(
    s: Session,
    accounts: list[Account],
    verifier: PasswordVerifier,
    roles: dict[str, Role],
    ahead: HashesAhead | None,
) -> None:
    """Each account's project, user and grants, made when missing (a handful of queries for
    all of them)."""
    now = utcnow()
    projects: dict[str, Project] = {}
    names = sorted({a.project for a in accounts})
    for project in s.scalars(
        select(Project).where(Project.name.in_(names), Project.domain_id == DEFAULT_DOMAIN_ID)
    ):
        projects.setdefault(project.name, project)
    users: dict[str, User] = {}
    names = sorted({a.user for a in accounts})
    for user in s.scalars(select(User).where(User.name.in_(names), User.domain_id == DEFAULT_DOMAIN_ID)):
        users.setdefault(user.name, user)
    hashes = _new_hashes(accounts, users, verifier, ahead)
    held: set[tuple[str, str, str, str, bool]] = set()
    if users:
        stmt = select(Assignment).where(Assignment.actor_id.in_([u.id for u in users.values()]))
        held = {(a.kind, a.actor_id, a.target_id, a.role_id, a.inherited) for a in s.scalars(stmt)}
    for acct in accounts:
        project = projects.get(acct.project)
        if project is None:
            project = projects[acct.project] = Project(
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
        user = users.get(acct.user)
        if user is None:
            user = users[acct.user] = User(
                id=new_id(),
                name=acct.user,
                domain_id=DEFAULT_DOMAIN_ID,
                enabled=True,
                default_project_id=project.id,
                password_hash=hashes[acct.user],
                password_created_at=now,
                description="",
                options={},
                extra={},
                created_at=now,
            )
            s.add(user)
        elif acct.user in hashes:
            user.password_hash = hashes[acct.user]
            user.password_created_at = now
        role = roles[acct.role]
        grants = [(USER_PROJECT, project.id)]
        if acct.role == "admin":
            grants.append((USER_SYSTEM, SYSTEM_TARGET))
        for kind, target in grants:
            if (kind, user.id, target, role.id, False) not in held:
                held.add((kind, user.id, target, role.id, False))
                s.add(
                    Assignment(
                        kind=kind, actor_id=user.id, target_id=target, role_id=role.id, inherited=False
                    )
                )


def _new_hashes(
    accounts: list[Account], users: dict[str, User], verifier: PasswordVerifier, ahead: HashesAhead | None
) -> dict[str, str]:
    """User name -> the hash to store: for each new user, and each whose password differs from
    the stored one. The hashes and checks (a fifth of a second each at the default cost) run
    side by side: argon2 lets go of the GIL. A hash made ahead is taken rather than made again."""

    def new_hash(acct: Account) -> str | None:
        user = users.get(acct.user)
        if user is None or not verifier.verify(user.id, acct.password, user.password_hash):
            return (ahead and ahead.get(acct.password)) or verifier.hash(acct.password)
        return None

    work: dict[str, Account] = {}
    for acct in accounts:  # as when applied in turn: a later account that checks decides
        if acct.check_password or (acct.user not in users and acct.user not in work):
            work[acct.user] = acct
    if len(work) > 1:
        with ThreadPoolExecutor(len(work), thread_name_prefix="bootstrap") as pool:
            done = dict(zip(work, pool.map(new_hash, work.values()), strict=True))
    else:
        done = {name: new_hash(acct) for name, acct in work.items()}
    return {name: h for name, h in done.items() if h is not None}


def _catalog(s: Session, base_url: str, region: str) -> None:
    if s.get(Region, region) is None:
        s.add(Region(id=region, description="", parent_region_id=None, extra={}))
    meta = s.get(Meta, _BASE_URL_KEY)
    old_base = meta.value if meta else None
    services: dict[tuple[str, str], Service] = {}
    for service in s.scalars(select(Service).where(Service.type.in_([stype for stype, _, _ in CATALOG]))):
        services.setdefault((service.type, service.name), service)
    for stype, name, path in CATALOG:
        if (stype, name) not in services:
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
    elif meta.value != base_url:
        meta.value = base_url


def bootstrap(
    db: Database,
    verifier: PasswordVerifier,
    accounts: list[Account],
    base_url: str,
    region: str,
    ahead: HashesAhead | None = None,
) -> None:
    """Idempotent: creates what is missing and resets a bootstrap password that differs. On a
    bootstrapped database it costs one transaction of nine small queries. ``ahead`` holds hashes
    started earlier (made with ``verifier``'s cost)."""
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
        roles = _roles(s, [*ROLE_CHAIN, *OTHER_ROLES, *(acct.role for acct in accounts)])
        chain = [roles[name] for name in ROLE_CHAIN]
        stmt = select(ImpliedRole).where(ImpliedRole.prior_role_id.in_([r.id for r in chain]))
        implications = {(i.prior_role_id, i.implied_role_id): i for i in s.scalars(stmt)}
        for prior, implied in zip(chain, chain[1:], strict=False):
            if (prior.id, implied.id) not in implications:
                s.add(ImpliedRole(prior_role_id=prior.id, implied_role_id=implied.id))
        # As bootstrap does since the manager role exists: admin reaches member through it.
        stale = implications.get((chain[0].id, chain[2].id))
        if stale is not None:
            s.delete(stale)
        _accounts(s, accounts, verifier, roles, ahead)
        _catalog(s, base_url, region)
