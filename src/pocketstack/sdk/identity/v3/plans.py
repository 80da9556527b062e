"""Identity v3 calls as plans.

The plans are mixins by family: projects and domains (:mod:`.project_plans`), users and groups
(:mod:`.user_plans`), roles and role assignments (:mod:`.role_plans`), the catalog
(:mod:`.catalog_plans`), application credentials and credentials (:mod:`.credential_plans`);
:class:`IdentityPlans` composes them."""

from __future__ import annotations

from pocketstack.sdk.identity.v3.catalog_plans import CatalogPlans
from pocketstack.sdk.identity.v3.credential_plans import CredentialPlans
from pocketstack.sdk.identity.v3.project_plans import ProjectPlans
from pocketstack.sdk.identity.v3.role_plans import RolePlans
from pocketstack.sdk.identity.v3.user_plans import UserPlans


class IdentityPlans(ProjectPlans, UserPlans, RolePlans, CatalogPlans, CredentialPlans):
    """Every identity v3 call, by family (see the module's docstring)."""


__all__ = ["IdentityPlans"]
