"""Who may do what on an account, decided as Swift's keystoneauth does: a TempURL or FormPost
grant acts as the account's owner; a token's roles on the account's project (policy rules in
core/objects/policies.py); failing those, the container's ACLs for object requests and
listings. Denied: 401 for an anonymous caller (Swift asks it to authenticate), 403 otherwise."""

from __future__ import annotations

from enum import Enum

from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.request import SwiftPath, SwiftRequest
from pocketstack.core.context import RequestContext
from pocketstack.core.objects import acl
from pocketstack.core.objects.policies import ACCOUNT_READ, ACCOUNT_WRITE, account_target


class Op(Enum):
    READ = "read"  # HEAD/GET an account, a container or an object
    WRITE = "write"  # change one


def _identity(ctx: RequestContext) -> acl.AclIdentity:
    default = (ctx.project_domain_id or "default") == "default" and (
        ctx.user_domain_id or "default"
    ) == "default"
    return acl.AclIdentity(
        project_id=ctx.project_id,
        user_id=ctx.user_id,
        project_name=ctx.project_name,
        user_name=ctx.user_name,
        in_default_domain=default,
        roles=ctx.roles,
    )


def _denied(sreq: SwiftRequest) -> SwiftError:
    return SwiftError(401 if sreq.caller.ctx is None else 403)


def owner_rights(sreq: SwiftRequest, path: SwiftPath) -> tuple[bool, bool]:
    """(may read, may write) ``path``'s account, without ACLs."""
    caller = sreq.caller
    if caller.grant is not None and caller.grant_account == path.account:
        return True, True
    ctx, project_id = caller.ctx, path.project_id
    if ctx is None or project_id is None:
        return False, False
    policy, target = sreq.cloud.policy, account_target(project_id)
    write = policy.check(ACCOUNT_WRITE, ctx, target)
    return write or policy.check(ACCOUNT_READ, ctx, target), write


async def _acl_allows(sreq: SwiftRequest, path: SwiftPath, op: Op) -> bool:
    project_id = path.project_id
    if project_id is None or path.container is None:
        return False  # accounts have no ACLs
    info = await sreq.container_info(project_id, path.container)
    if info is None:
        return False
    ctx = sreq.caller.ctx
    if op is Op.READ:
        rules = acl.parse_acl(info.read_acl)
        by_referrer = acl.referrer_allowed(sreq.headers.get("referer"), rules.referrers)
        if by_referrer and (path.obj is not None or rules.listings):
            return True
        return ctx is not None and acl.identity_allowed(rules.groups, _identity(ctx))
    if path.obj is None:
        return False  # COMPAT: a write ACL lets one change objects, never the container
    rules = acl.parse_acl(info.write_acl)
    return ctx is not None and acl.identity_allowed(rules.groups, _identity(ctx))


async def authorize(sreq: SwiftRequest, op: Op, path: SwiftPath | None = None) -> None:
    """Raise 401/403 unless the caller may ``op`` on ``path`` (the request's by default); for
    the request's own path, remember whether the caller owns the account."""
    own = path is None
    path = path or sreq.path
    can_read, can_write = owner_rights(sreq, path)
    if own:
        sreq.owner = can_write
    if (can_read if op is Op.READ else can_write) or await _acl_allows(sreq, path, op):
        return
    raise _denied(sreq)
