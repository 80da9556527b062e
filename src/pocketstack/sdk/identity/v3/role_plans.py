"""Identity v3 plans for roles and role assignments (granting, revoking and checking roles of
users and groups on projects and domains)."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.identity.v3._support import IdentityBasePlans
from pocketstack.sdk.identity.v3.resources import Domain, Group, Project, Role, RoleAssignment, User
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.resource import Resource, value_id

# role_assignments() filters by Python name -> Keystone's dotted query names.
_ASSIGNMENT_FILTERS = {
    "user": "user.id",
    "user_id": "user.id",
    "group": "group.id",
    "group_id": "group.id",
    "role": "role.id",
    "role_id": "role.id",
    "project": "scope.project.id",
    "scope_project_id": "scope.project.id",
    "domain": "scope.domain.id",
    "scope_domain_id": "scope.domain.id",
    "system": "scope.system",
    "scope_system": "scope.system",
    "inherited_to": "scope.OS-INHERIT:inherited_to",
}
_ASSIGNMENT_FLAGS = ("effective", "include_names", "include_subtree")


class RolePlans(IdentityBasePlans):
    # -- roles ---------------------------------------------------------------------------------

    def roles(self, /, **query: Any) -> Listing[Role]:
        """Every role (filters: ``name``, ``domain_id``)."""
        return ops.list_resources(self.session, Role, **query)

    def get_role(self, role: Role | str) -> Call[Role]:
        """The role (raises NotFound)."""
        return ops.get_resource(self.session, Role, role)

    def find_role(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[Role | None]:
        """The role of this id or name."""
        return ops.find_resource(self.session, Role, name_or_id, ignore_missing=ignore_missing, **query)

    def create_role(self, /, **attrs: Any) -> Call[Role]:
        """A new role (``name``, ``description``, ``domain_id`` for a domain-specific one)."""
        return ops.create_resource(self.session, Role, **attrs)

    def update_role(self, role: Role | str, /, **attrs: Any) -> Call[Role]:
        """Change the role; only the changed fields are sent."""
        return ops.update_resource(self.session, Role, role, **attrs)

    def delete_role(self, role: Role | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the role (and every assignment of it)."""
        return ops.delete_resource(self.session, Role, role, ignore_missing=ignore_missing)

    # -- role assignments ----------------------------------------------------------------------

    def role_assignments(self, /, **filters: Any) -> Listing[RoleAssignment]:
        """Role assignments, filtered by ``user``, ``group``, ``role``, ``project``, ``domain``,
        ``system`` (resources or ids; also Keystone's dotted names such as ``scope.project.id``),
        and the flags ``effective``, ``include_names``, ``include_subtree``."""
        query: dict[str, Any] = {}
        for key, value in filters.items():
            if value is None:
                continue
            if key in _ASSIGNMENT_FLAGS:
                if value:
                    query[key] = "true"
                continue
            name = _ASSIGNMENT_FILTERS.get(key, key)
            query[name] = value_id(value) if isinstance(value, Resource) else value
        return ops.list_resources(self.session, RoleAssignment, **query)

    def _grant_url(self, target: str, target_id: Any, actor: str, actor_id: Any, role: Any) -> str:
        return f"/{target}/{value_id(target_id)}/{actor}/{value_id(actor_id)}/roles/{value_id(role)}"

    def assign_project_role_to_user(
        self, project: Project | str, user: User | str, role: Role | str
    ) -> Call[None]:
        """Give the user the role on the project."""
        return self._put(self._grant_url("projects", project, "users", user, role))

    def unassign_project_role_from_user(
        self, project: Project | str, user: User | str, role: Role | str
    ) -> Call[None]:
        """Take the role on the project from the user (NotFound when it had none)."""
        return self._delete(self._grant_url("projects", project, "users", user, role))

    def validate_user_has_project_role(
        self, project: Project | str, user: User | str, role: Role | str
    ) -> Call[bool]:
        """Whether the user holds the role on the project directly (a HEAD: 204 or 404)."""
        return self._check(self._grant_url("projects", project, "users", user, role))

    def assign_project_role_to_group(
        self, project: Project | str, group: Group | str, role: Role | str
    ) -> Call[None]:
        """Give the group (so each of its members) the role on the project."""
        return self._put(self._grant_url("projects", project, "groups", group, role))

    def unassign_project_role_from_group(
        self, project: Project | str, group: Group | str, role: Role | str
    ) -> Call[None]:
        """Take the role on the project from the group."""
        return self._delete(self._grant_url("projects", project, "groups", group, role))

    def validate_group_has_project_role(
        self, project: Project | str, group: Group | str, role: Role | str
    ) -> Call[bool]:
        """Whether the group holds the role on the project."""
        return self._check(self._grant_url("projects", project, "groups", group, role))

    def assign_domain_role_to_user(
        self, domain: Domain | str, user: User | str, role: Role | str
    ) -> Call[None]:
        """Give the user the role on the domain."""
        return self._put(self._grant_url("domains", domain, "users", user, role))

    def unassign_domain_role_from_user(
        self, domain: Domain | str, user: User | str, role: Role | str
    ) -> Call[None]:
        """Take the role on the domain from the user."""
        return self._delete(self._grant_url("domains", domain, "users", user, role))

    def validate_user_has_domain_role(
        self, domain: Domain | str, user: User | str, role: Role | str
    ) -> Call[bool]:
        """Whether the user holds the role on the domain."""
        return self._check(self._grant_url("domains", domain, "users", user, role))
