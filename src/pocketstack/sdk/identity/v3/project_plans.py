"""Identity v3 plans for projects and domains."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.exceptions import Forbidden, MultipleMatches
from pocketstack.sdk.identity.v3._support import IdentityBasePlans
from pocketstack.sdk.identity.v3.resources import Domain, Project, User
from pocketstack.sdk.plan import Call, Listing, collect
from pocketstack.sdk.resource import value_id


class ProjectPlans(IdentityBasePlans):
    # -- projects ------------------------------------------------------------------------------

    def projects(self, /, **query: Any) -> Listing[Project]:
        """Every project the caller may list (filters: ``name``, ``domain_id``, ``parent_id``,
        ``enabled``, ``tags`` ...)."""
        return ops.list_resources(self.session, Project, **query)

    def user_projects(self, user: User | str, /, **query: Any) -> Listing[Project]:
        """The projects a user has a role on."""
        return self._list_at(Project, f"/users/{value_id(user)}/projects", query)

    def get_project(self, project: Project | str) -> Call[Project]:
        """The project (raises NotFound)."""
        return ops.get_resource(self.session, Project, project)

    def find_project(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[Project | None]:
        """The project of this id or name (``domain_id=`` narrows names; MultipleMatches). A
        caller who may not read or list projects by id or name (a member) finds among its own
        projects (``/users/{me}/projects``)."""
        try:
            return (
                yield from ops.find_resource(
                    self.session, Project, name_or_id, ignore_missing=ignore_missing, **query
                )
            )
        except Forbidden:
            user_id = yield from self._current_user()
            mine = yield from collect(self.user_projects(user_id))
            matches = [
                p
                for p in mine
                if name_or_id in (p.id, p.name)
                and all(getattr(p, k, None) == v for k, v in query.items() if k in Project.model_fields)
            ]
            if len(matches) > 1:
                raise MultipleMatches(
                    f"{len(matches)} of your projects are named {name_or_id!r}: "
                    + ", ".join(str(m.id) for m in matches)
                    + "; use an id"
                ) from None
            if matches:
                return matches[0]
            raise

    def create_project(self, /, **attrs: Any) -> Call[Project]:
        """A new project (``name``, ``domain_id``, ``description``, ``is_enabled``, ``parent_id``,
        ``tags``)."""
        return ops.create_resource(self.session, Project, **attrs)

    def update_project(self, project: Project | str, /, **attrs: Any) -> Call[Project]:
        """Change the project; only the changed fields are sent (PATCH)."""
        return ops.update_resource(self.session, Project, project, **attrs)

    def delete_project(self, project: Project | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the project (NotFound without ``ignore_missing`` when there is none)."""
        return ops.delete_resource(self.session, Project, project, ignore_missing=ignore_missing)

    # -- domains -------------------------------------------------------------------------------

    def domains(self, /, **query: Any) -> Listing[Domain]:
        """Every domain (filters: ``name``, ``enabled``)."""
        return ops.list_resources(self.session, Domain, **query)

    def get_domain(self, domain: Domain | str) -> Call[Domain]:
        """The domain (raises NotFound)."""
        return ops.get_resource(self.session, Domain, domain)

    def find_domain(self, name_or_id: str, ignore_missing: bool = True) -> Call[Domain | None]:
        """The domain of this id or name."""
        return ops.find_resource(self.session, Domain, name_or_id, ignore_missing=ignore_missing)

    def create_domain(self, /, **attrs: Any) -> Call[Domain]:
        """A new domain."""
        return ops.create_resource(self.session, Domain, **attrs)

    def update_domain(self, domain: Domain | str, /, **attrs: Any) -> Call[Domain]:
        """Change the domain; only the changed fields are sent."""
        return ops.update_resource(self.session, Domain, domain, **attrs)

    def delete_domain(self, domain: Domain | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the domain (Keystone wants it disabled first: a 403 otherwise)."""
        return ops.delete_resource(self.session, Domain, domain, ignore_missing=ignore_missing)
