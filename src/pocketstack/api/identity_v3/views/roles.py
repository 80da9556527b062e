"""Role, role inference, grant and role assignment bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.assignments import USER_DOMAIN, USER_PROJECT, AssignmentRef
from pocketstack.core.identity.roles import AssignmentListing
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
    the stored grant's target, and the prior role for an implied one."""
    source = ref.source
    if source.kind == USER_PROJECT:
        path = f"/projects/{source.target_id}"
    elif source.kind == USER_DOMAIN:
        path = f"/domains/{source.target_id}"
    else:
        path = "/system"
    path += f"/users/{ref.user_id}/roles/{ref.prior_role_id or ref.role_id}"
    if source.inherited:
        path = f"/OS-INHERIT{path}/inherited_to_projects"
    return path


def _named(listing: AssignmentListing, ref: AssignmentRef) -> dict[str, Any]:
    """The user, scope and role references with names and domains (``include_names``)."""
    domains = listing.domains

    def domain(domain_id: str) -> dict[str, Any]:
        d = domains.get(domain_id)
        return {"id": domain_id, "name": d.name if d else ""}

    user = listing.users.get(ref.user_id)
    # COMPAT: Keystone shows a user that no longer exists with empty names.
    user_ref = {"id": ref.user_id, "name": user.name if user else ""}
    user_ref["domain"] = domain(user.domain_id) if user else {"id": "", "name": ""}
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
    return {"user": user_ref, "role": role_ref, "scope": scope}


def _plain(ref: AssignmentRef) -> dict[str, Any]:
    if ref.scope == "system":
        scope: dict[str, Any] = {"system": {"all": True}}
    else:
        scope = {ref.scope: {"id": ref.scope_id}}
    return {"user": {"id": ref.user_id}, "role": {"id": ref.role_id}, "scope": scope}


def role_assignment(
    base_url: str, listing: AssignmentListing, ref: AssignmentRef, include_names: bool
) -> dict[str, Any]:
    body = _named(listing, ref) if include_names else _plain(ref)
    if ref.inherited:
        body["scope"]["OS-INHERIT:inherited_to"] = "projects"
    body["links"] = {"assignment": f"{base_url}/v3{_assignment_path(ref)}"}
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
