"""Role, role inference, grant and role assignment bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.assignment_listing import AssignmentRef
from pocketstack.core.identity.grants import AssignmentListing
from pocketstack.store.models import Role


def role(base_url: str, r: Role) -> dict[str, Any]:
    body: dict[str, Any] = dict(r.extra or {})
    body.update(
        {
            "id": r.id,
            "name": r.name,
            "domain_id": r.domain_id,
            "description": r.description,
            "options": dict(r.options or {}),
            "links": links(base_url, f"roles/{r.id}"),
        }
    )
    return body


def roles(base_url: str, items: list[Role], self_path: str) -> dict[str, Any]:
    return {"roles": [role(base_url, r) for r in items], "links": collection_links(base_url, self_path)}


def _role_link(base_url: str, r: Role) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "links": links(base_url, f"roles/{r.id}")}


def implied_role(base_url: str, prior: Role, implied: Role) -> dict[str, Any]:
    """One rule: ``implies`` is a single role."""
    return {
        "role_inference": {
            "prior_role": _role_link(base_url, prior),
            "implies": _role_link(base_url, implied),
        },
        "links": links(base_url, f"roles/{prior.id}/implies/{implied.id}"),
    }


def implied_roles(base_url: str, prior: Role, implied: list[Role]) -> dict[str, Any]:
    """All rules of one prior role: ``implies`` is a list."""
    return {
        "role_inference": {
            "prior_role": _role_link(base_url, prior),
            "implies": [_role_link(base_url, r) for r in implied],
        },
        "links": links(base_url, f"roles/{prior.id}/implies"),
    }


def role_inferences(base_url: str, rules: list[tuple[Role, list[Role]]]) -> dict[str, Any]:
    return {
        "role_inferences": [
            {"prior_role": _role_link(base_url, prior), "implies": [_role_link(base_url, r) for r in implied]}
            for prior, implied in rules
        ],
        "links": links(base_url, "role_inferences"),
    }


# -- role assignments ---------------------------------------------------------------------------
def _assignment_path(ref: AssignmentRef) -> str:
    """Where the grant behind ``ref`` lives in the grant API (Keystone's ``links.assignment``):
    the stored grant's target and actor, and the prior role for an implied one."""
    source = ref.source
    if source.scope == "project":
        path = f"/projects/{source.target_id}"
    elif source.scope == "domain":
        path = f"/domains/{source.target_id}"
    else:
        path = "/system"
    actor = f"/groups/{source.actor_id}" if source.is_group else f"/users/{source.actor_id}"
    path += f"{actor}/roles/{ref.prior_role_id or ref.role_id}"
    if source.inherited:
        path = f"/OS-INHERIT{path}/inherited_to_projects"
    return path


def _named(listing: AssignmentListing, ref: AssignmentRef) -> dict[str, Any]:
    """The actor, scope and role references with names and domains (``include_names``)."""
    domains = listing.domains

    def domain(domain_id: str) -> dict[str, Any]:
        d = domains.get(domain_id)
        return {"id": domain_id, "name": d.name if d else ""}

    actor = listing.groups.get(ref.actor_id) if ref.group else listing.users.get(ref.actor_id)
    # COMPAT: Keystone shows a user or group that no longer exists with empty names.
    actor_ref: dict[str, Any] = {"id": ref.actor_id, "name": actor.name if actor else ""}
    actor_ref["domain"] = domain(actor.domain_id) if actor else {"id": "", "name": ""}
    role_obj = listing.roles.get(ref.role_id)
    role_ref: dict[str, Any] = {"id": ref.role_id, "name": role_obj.name if role_obj else ""}
    if role_obj is not None and role_obj.domain_id:
        role_ref["domain"] = domain(role_obj.domain_id)
    if ref.scope == "project":
        project = listing.projects.get(ref.scope_id)
        scope: dict[str, Any] = {"project": {"id": ref.scope_id, "name": project.name if project else ""}}
        if project is not None:
            scope["project"]["domain"] = domain(project.domain_id)
    elif ref.scope == "domain":
        scope = {"domain": domain(ref.scope_id)}
    else:
        scope = {"system": {"all": True}}
    return {"group" if ref.group else "user": actor_ref, "role": role_ref, "scope": scope}


def _plain(ref: AssignmentRef) -> dict[str, Any]:
    if ref.scope == "system":
        scope: dict[str, Any] = {"system": {"all": True}}
    else:
        scope = {ref.scope: {"id": ref.scope_id}}
    actor = "group" if ref.group else "user"
    return {actor: {"id": ref.actor_id}, "role": {"id": ref.role_id}, "scope": scope}


def role_assignment(
    base_url: str, listing: AssignmentListing, ref: AssignmentRef, include_names: bool
) -> dict[str, Any]:
    body = _named(listing, ref) if include_names else _plain(ref)
    if ref.inherited:
        body["scope"]["OS-INHERIT:inherited_to"] = "projects"
    body["links"] = {"assignment": f"{base_url}/v3{_assignment_path(ref)}"}
    if ref.source.is_group and not ref.group:
        # A member's role through a group (effective listing): Keystone links the membership.
        body["links"]["membership"] = f"{base_url}/v3/groups/{ref.source.actor_id}/users/{ref.actor_id}"
    if ref.prior_role_id:
        # COMPAT: Keystone's path reads "prior_role/{implied}/implies/{prior}", ids in this order.
        body["links"]["prior_role"] = f"{base_url}/v3/prior_role/{ref.role_id}/implies/{ref.prior_role_id}"
    return body


def role_assignments(
    base_url: str, listing: AssignmentListing, include_names: bool, query_string: str
) -> dict[str, Any]:
    self_path = "role_assignments" + (f"?{query_string}" if query_string else "")
    return {
        "role_assignments": [role_assignment(base_url, listing, r, include_names) for r in listing.refs],
        "links": collection_links(base_url, self_path),
    }
