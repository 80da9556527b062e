"""Default rules for endpoint filters, policy blobs, domain configuration and unified limits,
after Keystone's defaults: administrators write, readers read; any user reads the registered
limits and the limits of the project (or domain) they are scoped to."""

from __future__ import annotations

from pocketstack.core.policy import Rule

_READ = "rule:admin_or_reader"
_WRITE = "rule:admin_required"
_OWN_LIMIT = (
    "rule:admin_or_reader or project_id:%(target.project_id)s or domain_id:%(target.domain_id)s "
    "or domain_id:%(target.project_domain_id)s"
)


def _rules(prefix: str, read: str, write: str, actions: dict[str, str]) -> list[Rule]:
    return [Rule(f"identity:{prefix}:{a}", read if kind == "r" else write) for a, kind in actions.items()]


_CRUD = {"list": "r", "get": "r", "create": "w", "update": "w", "delete": "w"}

CATALOG_EXTRA_RULES = [
    *_rules("endpoint_groups", _READ, _WRITE, _CRUD),
    *_rules(
        "project_endpoints",
        _READ,
        _WRITE,
        {"list": "r", "check": "r", "add": "w", "remove": "w"},
    ),
    *_rules(
        "project_endpoint_groups",
        _READ,
        _WRITE,
        {"list": "r", "check": "r", "add": "w", "remove": "w"},
    ),
    *_rules("policies", _READ, _WRITE, _CRUD),
    Rule("identity:endpoint_policies:manage", _WRITE, "OS-ENDPOINT-POLICY (not served: 501)."),
    Rule("identity:oauth1:manage", _WRITE, "OS-OAUTH1 tokens (not served: 501)."),
    Rule("identity:federation:manage", _WRITE, "OS-FEDERATION (not served: 501)."),
    *_rules("oauth_consumers", _READ, _WRITE, _CRUD),
    *_rules("domain_configs", _READ, _WRITE, _CRUD),
    Rule("identity:domain_configs:default", _READ, "The defaults of domain-specific options."),
    Rule("identity:domain_configs:security_compliance", "rule:authenticated", "The password rules."),
    *_rules("registered_limits", "rule:authenticated", _WRITE, _CRUD),
    Rule("identity:limits:list", "rule:authenticated", "Non-admins see their own scope's limits."),
    Rule("identity:limits:get", _OWN_LIMIT),
    Rule("identity:limits:create", _WRITE),
    Rule("identity:limits:update", _WRITE),
    Rule("identity:limits:delete", _WRITE),
    Rule("identity:limits:model", "rule:authenticated"),
]
