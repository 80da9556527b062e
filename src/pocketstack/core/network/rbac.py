"""RBAC policies (``/v2.0/rbac-policies``): a network's owner, or an admin, shares the network
with one project or every project (access_as_shared), or makes it external for them
(access_as_external). What a policy does to the network is in sharing.py; a policy is seen by
its own project (the one that made it) and by admins, not by the project it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.network import sharing
from pocketstack.core.network.access import creation_target, get_visible
from pocketstack.core.network.base import Item, ResourceService
from pocketstack.core.network.common import check_read_only, lock_rows, owner_of, retrying, touch
from pocketstack.core.network.errors import bad_request, invalid
from pocketstack.core.network.listing import Lister
from pocketstack.core.network.security_errors import rbac_duplicate, rbac_in_use, rbac_invalid_action
from pocketstack.core.network.validation import is_uuid, required
from pocketstack.store.network_models import Network
from pocketstack.store.network_security_models import RbacPolicy

COLUMNS = {
    key: getattr(RbacPolicy, key)
    for key in ("id", "project_id", "object_type", "object_id", "action", "target_project")
}


def _object_type(value: Any) -> str:
    normalized = value.strip().lower() if isinstance(value, str) else None
    if normalized not in sharing.ACTIONS:
        raise invalid(f"'{value}' is not a valid RBAC object type")
    return normalized


def _target(value: Any) -> str:
    if value is None:
        raise bad_request("Failed to parse request. Required attribute 'target_tenant' not specified")
    if value != sharing.EVERYONE and not is_uuid(value):
        raise invalid(f"'{value}' is not a valid target project ID; expected a UUID or '*'")
    return str(value)


class RbacPolicyService(ResourceService):
    kind = "rbac_policy"
    collection = "rbac_policies"
    lister = Lister("rbac_policy", COLUMNS)

    def _network(self, s: Session, ctx: RequestContext, network_id: str) -> Network:
        """The network a policy is about, locked: only its owner or an admin may share it.
        COMPAT: Neutron answers 400 InvalidInput here, also for a network the caller cannot see."""
        try:
            network = get_visible(s, ctx, "network", network_id)
        except NotFound as exc:
            raise invalid(exc.message) from None
        if not is_admin(ctx) and network.project_id != ctx.project_id:
            raise invalid("Only admins can manipulate policies on networks they do not own")
        lock_rows(s, Network, [network.id])
        return network

    def create(self, ctx: RequestContext, attrs: Mapping[str, Any]) -> Item:
        """A new policy. 400 for bad values or a network the caller does not own; 403 for
        ``*`` unless an admin asks; 409 DuplicateRbacPolicy, OverQuota."""
        project = owner_of(ctx, attrs)
        tgt = creation_target(project)
        self.access.enforce(ctx, "create_rbac_policy", tgt)
        object_type = _object_type(required(attrs, "object_type"))
        object_id = required(attrs, "object_id")
        if not is_uuid(object_id):
            raise BadRequest(f"Invalid input for object_id. Reason: '{object_id}' is not a valid UUID.")
        action = required(attrs, "action")
        target_project = _target(attrs.get("target_project"))
        if target_project == sharing.EVERYONE:
            self.access.enforce(ctx, "create_rbac_policy:target_tenant", tgt)
        if action not in sharing.ACTIONS[object_type]:
            raise rbac_invalid_action(action, object_type, sharing.ACTIONS[object_type])

        def work(s: Session) -> str:
            self.quotas.check(s, project, {"rbac_policy": 1})
            network = self._network(s, ctx, object_id)
            if sharing.find(s, network.id, action, target_project) is not None:
                raise rbac_duplicate()
            policy = sharing.add(s, network, action, target_project, project)
            if action == sharing.SHARED and target_project == sharing.EVERYONE:
                network.shared = True
            if action == sharing.EXTERNAL:
                network.external = True  # as Neutron: external now, for the projects named
            touch(network)
            return policy.id

        return self.described(ctx, retrying(self.db, work))

    def update(
        self, ctx: RequestContext, ident: str, attrs: Mapping[str, Any], revision: int | None = None
    ) -> Item:
        """Only the target project changes. The project losing access must not depend on it
        (409 RbacPolicyInUse); ``*`` is for admins (403)."""
        check_read_only(attrs, {"target_project"})
        new_target = _target(attrs.get("target_project"))

        def work(s: Session) -> None:
            policy = self.load(s, ctx, ident, "update", lock=True)
            tgt = self.target_of(policy, None)
            if new_target == sharing.EVERYONE:
                self.access.enforce(ctx, "update_rbac_policy:target_tenant", tgt)
            network = self._network(s, ctx, policy.object_id)
            if new_target == policy.target_project:
                return
            if sharing.find(s, network.id, policy.action, new_target) is not None:
                raise rbac_duplicate()
            self._check_release(s, network, policy, new_target)
            policy.target_project = new_target
            if policy.action == sharing.SHARED:
                network.shared = new_target == sharing.EVERYONE or self._wildcard(s, network)
            touch(network)

        retrying(self.db, work)
        return self.described(ctx, ident)

    def delete(self, ctx: RequestContext, ident: str, revision: int | None = None) -> None:
        """409 RbacPolicyInUse while the project it names has ports that need it."""
        with self.db.transaction() as s:
            policy = self.load(s, ctx, ident, "delete", lock=True)
            network = s.get(Network, policy.object_id)
            if network is None:  # its network is gone: nothing depends on it
                s.delete(policy)
                return
            lock_rows(s, Network, [network.id])
            self._check_release(s, network, policy, None)
            s.delete(policy)
            s.flush()
            if policy.action == sharing.SHARED and policy.target_project == sharing.EVERYONE:
                network.shared = False
            if policy.action == sharing.EXTERNAL and not sharing.targets(s, network.id, sharing.EXTERNAL):
                network.external = network.is_default = False  # the last one: no longer external
            touch(network)

    @staticmethod
    def _wildcard(s: Session, network: Network) -> bool:
        return sharing.find(s, network.id, sharing.SHARED, sharing.EVERYONE) is not None

    @staticmethod
    def _check_release(s: Session, network: Network, policy: RbacPolicy, new_target: str | None) -> None:
        """The access a policy gives may be taken away: it is deleted (``new_target`` None) or
        given to another project. 409 RbacPolicyInUse when a project depends on it."""
        if policy.action == sharing.SHARED and new_target != sharing.EVERYONE:
            try:
                sharing.check_unused(s, network, policy.target_project)
            except Conflict as exc:
                raise rbac_in_use(network.id, exc.message) from None
        if (
            policy.action == sharing.EXTERNAL
            and policy.target_project == sharing.EVERYONE
            and network.is_default
        ):
            raise rbac_in_use(network.id, "Default external networks must be shared to everyone.")
