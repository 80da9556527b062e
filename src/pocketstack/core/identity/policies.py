"""Default identity policy, in the spirit of Keystone's defaults.

Targets are flat: ``domain_id``, ``project_id`` and ``user_id`` of the object a call is about
(``token.user_id`` for token calls).

Personas: reader < member < admin (admin implies member implies reader), each held on a project,
a domain or the system. A token holding ``admin`` on any scope is a cloud administrator, as with
Keystone's defaults while scope enforcement is off, which is what existing clients expect.
"""

from __future__ import annotations

from pocketstack.core.identity.catalog_extra_policies import CATALOG_EXTRA_RULES
from pocketstack.core.identity.delegation_policies import DELEGATION_RULES
from pocketstack.core.identity.group_policies import GROUP_RULES
from pocketstack.core.policy import Rule

BASE = [
    Rule("admin_required", "role:admin", "Cloud administrator."),
    Rule("system_reader", "role:reader and system_scope:all", "Reader on the whole system."),
    Rule("system_admin", "role:admin and system_scope:all", "Administrator of the whole system."),
    Rule("domain_reader", "role:reader and domain_id:%(target.domain_id)s", "Reader on the domain."),
    Rule("admin_or_reader", "rule:admin_required or rule:system_reader or rule:domain_reader"),
    Rule("owner", "user_id:%(target.user_id)s", "The user the call is about."),
    Rule("token_subject", "user_id:%(target.token.user_id)s", "The holder of the subject token."),
    Rule("authenticated", "@", "Any valid token."),
]


def _crud(resource: str, read: str, write: str = "rule:admin_required", get: str | None = None) -> list[Rule]:
    return [
        Rule(f"identity:{resource}:list", read),
        Rule(f"identity:{resource}:get", get or read),
        Rule(f"identity:{resource}:create", write),
        Rule(f"identity:{resource}:update", write),
        Rule(f"identity:{resource}:delete", write),
    ]


IDENTITY_RULES = [
    *BASE,
    Rule("identity:tokens:validate", "rule:admin_or_reader or rule:token_subject"),
    Rule("identity:tokens:revoke", "rule:admin_required or rule:token_subject"),
    Rule("identity:auth:catalog", "rule:authenticated"),
    Rule("identity:auth:projects", "rule:authenticated"),
    Rule("identity:auth:domains", "rule:authenticated"),
    Rule("identity:auth:system", "rule:authenticated"),
    *_crud(
        "domains",
        "rule:admin_or_reader",
        get="rule:admin_or_reader or project_domain_id:%(target.domain_id)s",
    ),
    *_crud("projects", "rule:admin_or_reader or project_id:%(target.project_id)s"),
    *_crud("project_tags", "rule:admin_or_reader or project_id:%(target.project_id)s"),
    *_crud("users", "rule:admin_or_reader or rule:owner"),
    # COMPAT: Keystone does not enforce policy here: knowing the original password is the proof.
    Rule("identity:users:password", "rule:authenticated", "Whoever knows the user's password changes it."),
    Rule("identity:users:projects", "rule:admin_or_reader or rule:owner"),
    *_crud("roles", "rule:admin_or_reader"),
    *_crud("implied_roles", "rule:admin_or_reader"),
    Rule("identity:role_inferences:list", "rule:admin_or_reader"),
    Rule("identity:grants:list", "rule:admin_or_reader"),
    Rule("identity:grants:check", "rule:admin_or_reader"),
    Rule("identity:grants:create", "rule:admin_required"),
    Rule("identity:grants:delete", "rule:admin_required"),
    Rule("identity:role_assignments:list", "rule:admin_or_reader"),
    *_crud("services", "rule:admin_or_reader"),
    *_crud("endpoints", "rule:admin_or_reader"),
    *_crud("regions", "rule:authenticated"),
    Rule("identity:application_credentials:list", "rule:admin_required or rule:owner"),
    Rule("identity:application_credentials:get", "rule:admin_required or rule:owner"),
    Rule("identity:application_credentials:create", "rule:owner"),
    Rule("identity:application_credentials:delete", "rule:admin_required or rule:owner"),
    *CATALOG_EXTRA_RULES,
    *DELEGATION_RULES,
    *GROUP_RULES,
]
