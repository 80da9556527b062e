"""Who a Swift request acts as, resolved once by the auth layer and kept in the ASGI scope, so
that every inner layer (large objects, bulk, versioning) and the internal requests they make
(``subrequest.py``) act as the same caller without validating a token again."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

from pocketstack.core.context import RequestContext

SCOPE_KEY = "pocketstack.swift.caller"
# Set on every internal request (subrequest.py), never on a client's: only those may set and
# see ``X-Object-Sysmeta-*`` / ``X-Container-Sysmeta-*`` (as in Swift, a client never does).
INTERNAL_KEY = "pocketstack.swift.internal"


@dataclass(frozen=True)
class Caller:
    """``ctx`` is None for an anonymous request. ``grant`` names what lets a request in
    without a token, when something does: "tempurl" (a valid TempURL signature for this
    method and path), "formpost", or None (then container ACLs decide)."""

    ctx: RequestContext | None
    grant: str | None = None
    # The account a grant was given for (TempURL and FormPost act as its owner).
    grant_account: str | None = None


def caller_of(scope: Scope) -> Caller | None:
    return scope.get(SCOPE_KEY)
