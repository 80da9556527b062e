"""Authentication: turn credentials into a token, and a token back into who and what it allows.

Every failure to authenticate says the same thing (wrong password, unknown user, disabled user,
bad scope): a 401 with the one generic message, so the answer leaks nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import BadRequest, Forbidden, NotImplementedYet, Unauthorized
from pocketstack.core.identity.access_rules import rules_of_credential
from pocketstack.core.identity.assignments import (
    domain_ids_with_roles,
    effective_roles,
    has_system_role,
    project_ids_with_roles,
)
from pocketstack.core.identity.catalog import CatalogEntry, build_catalog
from pocketstack.core.identity.common import as_utc
from pocketstack.core.identity.endpoint_filters import restrict_catalog
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.core.identity.revocation import is_revoked, revoke
from pocketstack.core.identity.tokens import TokenFormatter, TokenPayload, new_audit_id
from pocketstack.core.identity.trust_tokens import consume_use, resolve_trust, trust_for_auth
from pocketstack.store.coordination import SharedRevision
from pocketstack.store.db import Database
from pocketstack.store.identity_delegation_models import Trust
from pocketstack.store.models import ApplicationCredential, Domain, Project, Role, User


@dataclass(frozen=True)
class UserRef:
    id: str | None = None
    name: str | None = None
    domain_id: str | None = None
    domain_name: str | None = None


@dataclass(frozen=True)
class ScopeRequest:
    """``kind`` is project, domain, system or trust; projects are named by id or name +
    domain, a trust by id."""

    kind: str
    id: str | None = None
    name: str | None = None
    domain_id: str | None = None
    domain_name: str | None = None


@dataclass(frozen=True)
class AuthRequest:
    methods: tuple[str, ...]
    user: UserRef | None = None
    password: str | None = None
    token: str | None = None
    app_cred_id: str | None = None
    app_cred_name: str | None = None
    app_cred_secret: str | None = None
    scope: ScopeRequest | None = None
    unscoped: bool = False


@dataclass
class TokenInfo:
    """A valid token and everything its holder may see of it."""

    token: str
    payload: TokenPayload
    user: User
    user_domain: Domain
    project: Project | None = None
    project_domain: Domain | None = None
    domain: Domain | None = None
    roles: list[Role] = field(default_factory=list)
    application_credential: ApplicationCredential | None = None
    access_rules: list[dict[str, str]] | None = None
    trust: Trust | None = None
    # What the API rendered of this validation (the token body, by its options): kept as long
    # as the validation itself is, i.e. while identity and the key ring stand still.
    rendered: dict[object, bytes] = field(default_factory=dict, repr=False, compare=False)

    def context(self, request_id: str | None = None) -> RequestContext:
        extra = {"request_id": request_id} if request_id else {}
        return RequestContext(
            user_id=self.user.id,
            user_name=self.user.name,
            user_domain_id=self.user.domain_id,
            project_id=self.project.id if self.project else None,
            project_name=self.project.name if self.project else None,
            project_domain_id=self.project.domain_id if self.project else None,
            domain_id=self.domain.id if self.domain else None,
            system_scope="all" if self.payload.scope == "system" else None,
            roles=frozenset(r.name for r in self.roles),
            audit_id=self.payload.audit_id,
            application_credential_id=self.payload.application_credential_id,
            trust_id=self.payload.trust_id,
            **extra,
        )


_CACHE_SIZE = 10_000


def _fail() -> Unauthorized:
    return Unauthorized()


class AuthService:
    def __init__(
        self,
        db: Database,
        formatter: TokenFormatter,
        verifier: PasswordVerifier,
        token_expiration: int,
        max_password_length: int,
    ) -> None:
        self.db = db
        self.formatter = formatter
        self.verifier = verifier
        self.lifetime = timedelta(seconds=token_expiration)
        self.max_password_length = max_password_length
        self.revision = db.revisions.counter("identity")  # see store/table_revisions.py
        self._cache: OrderedDict[str, tuple[int, object, TokenInfo]] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- issuing -------------------------------------------------------------------------
    def authenticate(self, req: AuthRequest) -> TokenInfo:
        """Issue a token. Raises Unauthorized for any bad credential or scope, BadRequest for a
        malformed request, NotImplementedYet for methods pocketstack lacks."""
        with self.db.read() as s:
            methods, user, app_cred, parent = self._identify(s, req)
            now = datetime.now(UTC)
            # COMPAT: Keystone gives a new token whole seconds of life (".000000Z" on the wire).
            expires = (now + self.lifetime).replace(microsecond=0)
            audit_id = new_audit_id()
            chain = audit_id
            if parent is not None:
                expires = min(expires, parent.expires_at)
                chain = parent.audit_chain_id
            if app_cred is not None and app_cred.expires_at is not None:
                expires = min(expires, as_utc(app_cred.expires_at))
            trust = None
            if req.scope is not None and req.scope.kind == "trust" and app_cred is None:
                trust = trust_for_auth(s, req.scope.id, user)
                scope, scope_id = "project", trust.project_id
                if trust.expires_at is not None:
                    expires = min(expires, as_utc(trust.expires_at))
            else:
                scope, scope_id = self._scope(s, req, user, app_cred, parent)
            payload = TokenPayload(
                user_id=user.id,
                methods=methods,
                scope=scope,
                scope_id=scope_id,
                issued_at=now,
                expires_at=expires,
                audit_id=audit_id,
                audit_chain_id=chain,
                application_credential_id=app_cred.id if app_cred else None,
                trust_id=trust.id if trust else None,
            )
            info = self._resolve(s, self.formatter.seal(payload), payload)
        if trust is not None:
            with self.db.transaction() as s:
                consume_use(s, trust.id)
        return info

    def issue(
        self,
        user_id: str,
        method: str,
        project_id: str,
        app_cred_id: str | None = None,
        trust_id: str | None = None,
    ) -> TokenInfo:
        """A project-scoped token for a user already authenticated some other way (EC2
        signatures). Raises Unauthorized when the user may not have it."""
        now = datetime.now(UTC)
        payload = TokenPayload(
            user_id=user_id,
            methods=(method,),
            scope="project",
            scope_id=project_id,
            issued_at=now,
            expires_at=now + self.lifetime,
            audit_id=(audit := new_audit_id()),
            audit_chain_id=audit,
            application_credential_id=app_cred_id,
            trust_id=trust_id,
        )
        with self.db.read() as s:
            return self._resolve(s, self.formatter.seal(payload), payload)

    def _identify(
        self, s: Session, req: AuthRequest
    ) -> tuple[tuple[str, ...], User, ApplicationCredential | None, TokenPayload | None]:
        methods = tuple(dict.fromkeys(req.methods))
        if not methods or len(methods) > 3:
            raise BadRequest("Expecting to find identity methods in auth.")
        unknown = [m for m in methods if m not in ("password", "token", "application_credential")]
        if unknown:
            raise Unauthorized(f"Attempted to authenticate with an unsupported method: {unknown[0]}.")
        if len(methods) > 1:
            raise NotImplementedYet("Multi-factor authentication (several methods at once).")
        method = methods[0]
        if method == "password":
            return methods, self._by_password(s, req), None, None
        if method == "application_credential":
            user, cred = self._by_app_cred(s, req)
            return methods, user, cred, None
        # The subject token goes through every check validation runs (revocation, expiry,
        # user/project/domain enabled, a role still held), not only its signature and expiry.
        parent = self._resolve(s, req.token or "", self._open_valid(s, req.token or ""))
        if parent.payload.application_credential_id:
            raise Unauthorized("A token created from an application credential cannot be rescoped.")
        if parent.payload.trust_id:
            raise Forbidden(
                "You are not authorized to perform the requested action: Using trust-scoped token to "
                "create another token. Create a new trust-scoped token instead."
            )
        payload = parent.payload
        return tuple(dict.fromkeys(payload.methods + ("token",))), parent.user, None, payload

    def _find_user(self, s: Session, ref: UserRef | None) -> User | None:
        if ref is None:
            return None
        if ref.id:
            return s.get(User, ref.id)
        if not ref.name:
            return None
        domain_id = ref.domain_id
        if domain_id is None and ref.domain_name:
            domain_id = s.scalar(select(Domain.id).where(Domain.name == ref.domain_name))
        if domain_id is None:
            return None
        return s.scalar(select(User).where(User.name == ref.name, User.domain_id == domain_id))

    def _usable(self, s: Session, user: User | None) -> bool:
        if user is None or not user.enabled:
            return False
        domain = s.get(Domain, user.domain_id)
        return domain is not None and domain.enabled

    def _by_password(self, s: Session, req: AuthRequest) -> User:
        password = req.password or ""
        if len(password) > self.max_password_length:
            raise _fail()
        user = self._find_user(s, req.user)
        subject = user.id if user else "-"
        ok = self.verifier.verify(subject, password, user.password_hash if user else None)
        if not ok or not self._usable(s, user):
            raise _fail()
        assert user is not None
        return user

    def _by_app_cred(self, s: Session, req: AuthRequest) -> tuple[User, ApplicationCredential]:
        cred: ApplicationCredential | None = None
        if req.app_cred_id:
            cred = s.get(ApplicationCredential, req.app_cred_id)
        elif req.app_cred_name:
            user = self._find_user(s, req.user)
            if user is not None:
                cred = s.scalar(
                    select(ApplicationCredential).where(
                        ApplicationCredential.user_id == user.id,
                        ApplicationCredential.name == req.app_cred_name,
                    )
                )
        secret = req.app_cred_secret or ""
        if len(secret) > self.max_password_length:
            raise _fail()
        subject = f"appcred:{cred.id}" if cred else "-"
        ok = self.verifier.verify(subject, secret, cred.secret_hash if cred else None)
        if not ok or cred is None:
            raise _fail()
        if cred.expires_at is not None and as_utc(cred.expires_at) <= datetime.now(UTC):
            raise _fail()
        user = s.get(User, cred.user_id)
        if not self._usable(s, user):
            raise _fail()
        assert user is not None
        return user, cred

    def _scope(
        self,
        s: Session,
        req: AuthRequest,
        user: User,
        app_cred: ApplicationCredential | None,
        parent: TokenPayload | None,
    ) -> tuple[str, str | None]:
        if app_cred is not None:
            if req.scope is not None:
                raise Unauthorized("Application credentials cannot request a scope.")
            return "project", app_cred.project_id
        if req.unscoped:
            return "unscoped", None
        if req.scope is None:
            if parent is not None:
                return parent.scope, parent.scope_id
            if user.default_project_id:
                project = s.get(Project, user.default_project_id)
                if project and project.enabled and effective_roles(s, user.id, "project", project.id):
                    return "project", project.id
            return "unscoped", None
        sc = req.scope
        if sc.kind == "system":
            return "system", None
        if sc.kind == "domain":
            domain = s.get(Domain, sc.id) if sc.id else s.scalar(select(Domain).where(Domain.name == sc.name))
            if domain is None:
                raise _fail()
            return "domain", domain.id
        if sc.id:
            project = s.get(Project, sc.id)
        else:
            domain_id = sc.domain_id
            if domain_id is None and sc.domain_name:
                domain_id = s.scalar(select(Domain.id).where(Domain.name == sc.domain_name))
            if domain_id is None or not sc.name:
                raise BadRequest("A project named in a scope needs its domain, by id or name.")
            project = s.scalar(select(Project).where(Project.name == sc.name, Project.domain_id == domain_id))
        if project is None:
            raise _fail()
        return "project", project.id

    # -- validating ----------------------------------------------------------------------
    def _open_valid(self, s: Session, token: str) -> TokenPayload:
        payload = self.formatter.open(token)
        if payload.expires_at <= datetime.now(UTC):
            raise Unauthorized("The token has expired.", code="identity.token.expired")
        return payload

    def validate(self, token: str, revision: int | None = None) -> TokenInfo:
        """The token's holder, scope and current roles. Raises Unauthorized when the token is
        malformed, tampered, expired, revoked, or its user, project or roles are gone.

        A validation is cached until identity state or the key ring changes (see store/table_revisions.py).
        ``revision`` is the identity counter as the caller read it just before (one read per
        request); without it, it is read here.
        """
        fernet = self.formatter.keys.fernet
        if revision is None:
            revision = self.revision.value
        hit = self._cache.get(token)
        if hit is not None and hit[0] == revision and hit[1] is fernet:
            info = hit[2]
            if info.payload.expires_at > datetime.now(UTC):
                return info
        with self.db.read() as s:
            info = self._resolve(s, token, self._open_valid(s, token))
        with self._cache_lock:
            self._cache[token] = (revision, fernet, info)
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return info

    def _resolve(self, s: Session, token: str, p: TokenPayload) -> TokenInfo:
        user = s.get(User, p.user_id)
        if user is None or not self._usable(s, user):
            raise _fail()
        info = TokenInfo(token=token, payload=p, user=user, user_domain=s.get(Domain, user.domain_id))
        if p.scope == "project":
            project = s.get(Project, p.scope_id or "")
            pdomain = s.get(Domain, project.domain_id) if project else None
            if project is None or not project.enabled or pdomain is None or not pdomain.enabled:
                raise _fail()
            info.project, info.project_domain = project, pdomain
        elif p.scope == "domain":
            domain = s.get(Domain, p.scope_id or "")
            if domain is None or not domain.enabled:
                raise _fail()
            info.domain = domain
        if p.scope != "unscoped":
            if p.trust_id:
                shown = resolve_trust(s, p.trust_id, user)
                info.trust, info.user, info.user_domain = shown.trust, shown.user, shown.user_domain
                roles = shown.roles
            else:
                roles = effective_roles(s, user.id, p.scope, p.scope_id)
            if p.application_credential_id:
                cred = s.get(ApplicationCredential, p.application_credential_id)
                if cred is None:
                    raise _fail()
                allowed = set(cred.role_ids)
                roles = [r for r in roles if r.id in allowed]
                info.application_credential = cred
                info.access_rules = rules_of_credential(s, cred.id)
            if not roles:
                raise _fail()
            info.roles = roles
        if is_revoked(s, p, user.domain_id):
            raise _fail()
        return info

    def revoke_token(self, token: str) -> None:
        """Revoke one token (by its audit id); Unauthorized when it is not valid now."""
        info = self.validate(token)
        with self.db.transaction() as s:
            revoke(s, audit_id=info.payload.audit_id)


class AuthScopes:
    """What a token holder may scope to, and the catalog: the /v3/auth/* read calls."""

    def __init__(self, db: Database, revision: SharedRevision) -> None:
        self.db = db
        self.revision = revision
        # The whole catalog and each project's (restricted by its endpoint filter), as of one
        # identity revision.
        self._catalog: tuple[int, list[CatalogEntry], dict[str, list[CatalogEntry]]] | None = None

    def catalog(self, project_id: str | None = None, revision: int | None = None) -> list[CatalogEntry]:
        """The catalog, rebuilt only after the identity revision moved (catalog and endpoint
        filter writes move it); for a project, restricted by its endpoint filter (OS-EP-FILTER)
        when it has one. ``revision``: as ``AuthService.validate``'s."""
        if revision is None:
            revision = self.revision.value
        cached = self._catalog
        if cached is None or cached[0] != revision:
            with self.db.read() as s:
                cached = (revision, build_catalog(s), {})
            self._catalog = cached
        if project_id is None:
            return cached[1]
        restricted = cached[2].get(project_id)
        if restricted is None:
            with self.db.read() as s:
                restricted = cached[2][project_id] = restrict_catalog(s, project_id, cached[1])
        return restricted

    def projects(self, user_id: str) -> list[tuple[Project, Domain]]:
        with self.db.read() as s:
            ids = project_ids_with_roles(s, user_id)
            if not ids:
                return []
            rows = s.execute(
                select(Project, Domain)
                .join(Domain, Domain.id == Project.domain_id)
                .where(Project.id.in_(ids), Project.enabled.is_(True), Domain.enabled.is_(True))
                .order_by(Project.name)
            ).all()
            return [(p, d) for p, d in rows]

    def domains(self, user_id: str) -> list[Domain]:
        with self.db.read() as s:
            ids = domain_ids_with_roles(s, user_id)
            if not ids:
                return []
            stmt = select(Domain).where(Domain.id.in_(ids), Domain.enabled.is_(True))
            return list(s.scalars(stmt.order_by(Domain.name)))

    def system(self, user_id: str) -> bool:
        with self.db.read() as s:
            return has_system_role(s, user_id)
