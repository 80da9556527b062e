"""Who is asking, for what scope: built once per request at the edge, then passed down."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

SCOPES = ("system", "domain", "project")  # what a token may be scoped to


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


def is_admin(ctx: RequestContext) -> bool:
    """A token with the admin role on any scope is a cloud administrator (see DESIGN-notes)."""
    return "admin" in ctx.roles


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The authenticated caller. ``roles`` holds role names with implied roles expanded."""

    user_id: str | None = None
    user_name: str | None = None
    user_domain_id: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None
    system_scope: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    audit_id: str | None = None
    token_expires_at: str | None = None
    application_credential_id: str | None = None
    trust_id: str | None = None  # the OS-TRUST trust of a trust-scoped token
    request_id: str = field(default_factory=new_request_id)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def scope(self) -> str | None:
        """What the token is scoped to: "system", "domain", "project", or None when unscoped."""
        if self.system_scope:
            return "system"
        if self.domain_id:
            return "domain"
        if self.project_id:
            return "project"
        return None

    @classmethod
    def system(cls, request_id: str | None = None) -> RequestContext:
        """An internal context with admin rights, for bootstrap and maintenance."""
        return cls(
            user_id="pocketstack-internal",
            system_scope="all",
            roles=frozenset({"admin", "member", "reader"}),
            request_id=request_id or new_request_id(),
        )
