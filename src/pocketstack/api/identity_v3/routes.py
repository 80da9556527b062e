"""The Identity v3 route table: every route names the policy rule its handler enforces.

Each handler module keeps the rows for its resource next to its handlers in ``ROUTES``; this
module is the one place that puts them together.
"""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.identity_v3 import versions
from pocketstack.api.identity_v3.handlers import (
    access_rules,
    application_credentials,
    auth,
    catalog,
    credentials,
    domain_configs,
    domains,
    ec2,
    endpoint_filters,
    grants,
    groups,
    limits,
    oauth_consumers,
    policy_blobs,
    projects,
    role_assignments,
    roles,
    trusts,
    users,
)

E = Endpoint

ROUTES: list[Endpoint] = [
    E("GET", "/", versions.list_versions, None, authenticated=False),
    E("GET", "/v3", versions.show_version, None, authenticated=False),
    E("GET", "/v3/", versions.show_version, None, authenticated=False),
    E("POST", "/v3/auth/tokens", auth.issue_token, None, authenticated=False),
    E("GET", "/v3/auth/tokens", auth.validate_token, "identity:tokens:validate"),
    E("HEAD", "/v3/auth/tokens", auth.check_token, "identity:tokens:validate"),
    E("DELETE", "/v3/auth/tokens", auth.revoke_token, "identity:tokens:revoke"),
    E("GET", "/v3/auth/catalog", auth.get_auth_catalog, "identity:auth:catalog"),
    E("GET", "/v3/auth/projects", auth.list_auth_projects, "identity:auth:projects"),
    E("GET", "/v3/auth/domains", auth.list_auth_domains, "identity:auth:domains"),
    E("GET", "/v3/auth/system", auth.get_auth_system, "identity:auth:system"),
    *domain_configs.ROUTES,
    *domains.ROUTES,
    *projects.ROUTES,
    *users.ROUTES,
    *groups.ROUTES,
    *roles.ROUTES,
    *grants.ROUTES,
    *role_assignments.ROUTES,
    *catalog.ROUTES,
    *endpoint_filters.ROUTES,
    *policy_blobs.ROUTES,
    *limits.ROUTES,
    *oauth_consumers.ROUTES,
    *application_credentials.ROUTES,
    *access_rules.ROUTES,
    *trusts.ROUTES,
    *credentials.ROUTES,
    *ec2.ROUTES,
]
