"""Identity v3 calls as plans."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from pocketstack.sdk import ops
from pocketstack.sdk.exceptions import Forbidden, MultipleMatches, error_for
from pocketstack.sdk.identity.v3.resources import (
    ApplicationCredential,
    Credential,
    Domain,
    Endpoint,
    Group,
    Project,
    Region,
    Role,
    RoleAssignment,
    Service,
    User,
)
from pocketstack.sdk.plan import Call, Emit, Listing, collect
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import Resource, value_id

R = TypeVar("R", bound=Resource)

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


class IdentityPlans(ServicePlans):
    # -- helpers -------------------------------------------------------------------------------

    def _list_at(self, cls: type[R], url: str, params: Mapping[str, Any] | None = None) -> Listing[R]:
        """Every ``cls`` listed at ``url`` (Keystone does not page)."""
        body = yield from self.session.json("identity", "GET", url, params=dict(params or {}) or None)
        items = body.get(cls.resources_key) if isinstance(body, dict) and cls.resources_key else None
        for item in items or []:
            if isinstance(item, dict):
                yield Emit(cls.from_wire(item))

    def _check(self, url: str) -> Call[bool]:
        """HEAD ``url``: True on 2xx, False on 404, the error otherwise."""
        response = yield from self.session.request("identity", "HEAD", url, check=False)
        if 200 <= response.status_code < 300:
            return True
        if response.status_code == 404:
            return False
        raise error_for(
            response.status_code,
            response.content,
            method="HEAD",
            url=response.url,
            request_id=response.request_id,
        )

    def _put(self, url: str) -> Call[None]:
        yield from self.session.request("identity", "PUT", url)

    def _delete(self, url: str) -> Call[None]:
        yield from self.session.request("identity", "DELETE", url)

    def _current_user(self) -> Call[str]:
        state = yield from self.session.authenticator.state()
        return state.user_id

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

    # -- users ---------------------------------------------------------------------------------

    def users(self, /, **query: Any) -> Listing[User]:
        """Every user (filters: ``name``, ``domain_id``, ``enabled`` ...)."""
        return ops.list_resources(self.session, User, **query)

    def get_user(self, user: User | str) -> Call[User]:
        """The user (raises NotFound)."""
        return ops.get_resource(self.session, User, user)

    def find_user(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[User | None]:
        """The user of this id or name (``domain_id=`` narrows names; MultipleMatches)."""
        return ops.find_resource(self.session, User, name_or_id, ignore_missing=ignore_missing, **query)

    def create_user(self, /, **attrs: Any) -> Call[User]:
        """A new user (``name``, ``password``, ``domain_id``, ``default_project_id``, ``email`` ...)."""
        return ops.create_resource(self.session, User, **attrs)

    def update_user(self, user: User | str, /, **attrs: Any) -> Call[User]:
        """Change the user; only the changed fields are sent (the password is create-only)."""
        return ops.update_resource(self.session, User, user, **attrs)

    def delete_user(self, user: User | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the user (NotFound without ``ignore_missing`` when there is none)."""
        return ops.delete_resource(self.session, User, user, ignore_missing=ignore_missing)

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

    # -- groups --------------------------------------------------------------------------------

    def groups(self, /, **query: Any) -> Listing[Group]:
        """Every group (filters: ``name``, ``domain_id``)."""
        return ops.list_resources(self.session, Group, **query)

    def get_group(self, group: Group | str) -> Call[Group]:
        """The group (raises NotFound)."""
        return ops.get_resource(self.session, Group, group)

    def find_group(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[Group | None]:
        """The group of this id or name."""
        return ops.find_resource(self.session, Group, name_or_id, ignore_missing=ignore_missing, **query)

    def create_group(self, /, **attrs: Any) -> Call[Group]:
        """A new group (``name``, ``domain_id``, ``description``)."""
        return ops.create_resource(self.session, Group, **attrs)

    def update_group(self, group: Group | str, /, **attrs: Any) -> Call[Group]:
        """Change the group; only the changed fields are sent."""
        return ops.update_resource(self.session, Group, group, **attrs)

    def delete_group(self, group: Group | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the group."""
        return ops.delete_resource(self.session, Group, group, ignore_missing=ignore_missing)

    def add_user_to_group(self, user: User | str, group: Group | str) -> Call[None]:
        """Make the user a member of the group."""
        return self._put(f"/groups/{value_id(group)}/users/{value_id(user)}")

    def remove_user_from_group(self, user: User | str, group: Group | str) -> Call[None]:
        """End the user's membership (NotFound when it was not a member)."""
        return self._delete(f"/groups/{value_id(group)}/users/{value_id(user)}")

    def check_user_in_group(self, user: User | str, group: Group | str) -> Call[bool]:
        """Whether the user is a member of the group."""
        return self._check(f"/groups/{value_id(group)}/users/{value_id(user)}")

    def group_users(self, group: Group | str, /, **query: Any) -> Listing[User]:
        """The group's members."""
        return self._list_at(User, f"/groups/{value_id(group)}/users", query)

    def user_groups(self, user: User | str) -> Listing[Group]:
        """The groups the user belongs to."""
        return self._list_at(Group, f"/users/{value_id(user)}/groups")

    # -- catalog -------------------------------------------------------------------------------

    def regions(self, /, **query: Any) -> Listing[Region]:
        """Every region (filter: ``parent_region_id``)."""
        return ops.list_resources(self.session, Region, **query)

    def get_region(self, region: Region | str) -> Call[Region]:
        """The region (raises NotFound)."""
        return ops.get_resource(self.session, Region, region)

    def create_region(self, /, **attrs: Any) -> Call[Region]:
        """A new region (``id`` optional, ``description``, ``parent_region_id``)."""
        return ops.create_resource(self.session, Region, **attrs)

    def update_region(self, region: Region | str, /, **attrs: Any) -> Call[Region]:
        """Change the region; only the changed fields are sent."""
        return ops.update_resource(self.session, Region, region, **attrs)

    def delete_region(self, region: Region | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the region."""
        return ops.delete_resource(self.session, Region, region, ignore_missing=ignore_missing)

    def services(self, /, **query: Any) -> Listing[Service]:
        """Every catalog service (filters: ``type``, ``name``)."""
        return ops.list_resources(self.session, Service, **query)

    def get_service(self, service: Service | str) -> Call[Service]:
        """The service (raises NotFound)."""
        return ops.get_resource(self.session, Service, service)

    def find_service(self, name_or_id: str, ignore_missing: bool = True) -> Call[Service | None]:
        """The service of this id or name."""
        return ops.find_resource(self.session, Service, name_or_id, ignore_missing=ignore_missing)

    def create_service(self, /, **attrs: Any) -> Call[Service]:
        """A new catalog service (``type``, ``name``, ``description``, ``is_enabled``)."""
        return ops.create_resource(self.session, Service, **attrs)

    def update_service(self, service: Service | str, /, **attrs: Any) -> Call[Service]:
        """Change the service; only the changed fields are sent."""
        return ops.update_resource(self.session, Service, service, **attrs)

    def delete_service(self, service: Service | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the service (and its endpoints)."""
        return ops.delete_resource(self.session, Service, service, ignore_missing=ignore_missing)

    def endpoints(self, /, **query: Any) -> Listing[Endpoint]:
        """Every endpoint (filters: ``service_id``, ``interface``, ``region_id``)."""
        return ops.list_resources(self.session, Endpoint, **query)

    def get_endpoint(self, endpoint: Endpoint | str) -> Call[Endpoint]:
        """The endpoint (raises NotFound)."""
        return ops.get_resource(self.session, Endpoint, endpoint)

    def create_endpoint(self, /, **attrs: Any) -> Call[Endpoint]:
        """A new endpoint (``service_id``, ``interface``, ``url``, ``region_id``)."""
        return ops.create_resource(self.session, Endpoint, **attrs)

    def update_endpoint(self, endpoint: Endpoint | str, /, **attrs: Any) -> Call[Endpoint]:
        """Change the endpoint; only the changed fields are sent."""
        return ops.update_resource(self.session, Endpoint, endpoint, **attrs)

    def delete_endpoint(self, endpoint: Endpoint | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the endpoint."""
        return ops.delete_resource(self.session, Endpoint, endpoint, ignore_missing=ignore_missing)

    # -- application credentials ---------------------------------------------------------------

    def application_credentials(self, user: User | str, /, **query: Any) -> Listing[ApplicationCredential]:
        """The user's application credentials (filter: ``name``); never their secrets."""
        return ops.list_resources(self.session, ApplicationCredential, {"user_id": value_id(user)}, **query)

    def get_application_credential(
        self, user: User | str, application_credential: ApplicationCredential | str
    ) -> Call[ApplicationCredential]:
        """One of the user's application credentials (raises NotFound)."""
        return ops.get_resource(
            self.session, ApplicationCredential, application_credential, {"user_id": value_id(user)}
        )

    def find_application_credential(
        self, user: User | str, name_or_id: str, ignore_missing: bool = True
    ) -> Call[ApplicationCredential | None]:
        """The user's application credential of this id or name."""
        return ops.find_resource(
            self.session,
            ApplicationCredential,
            name_or_id,
            {"user_id": value_id(user)},
            ignore_missing=ignore_missing,
        )

    def create_application_credential(
        self,
        user: User | str,
        name: str,
        /,
        roles: list[Role | Mapping[str, Any] | str] | None = None,
        expires_at: datetime | str | None = None,
        **attrs: Any,
    ) -> Call[ApplicationCredential]:
        """A new application credential of the user on the token's project; its ``secret`` is in
        this answer only. ``roles``: Role objects, ``{"id"}``/``{"name"}`` dicts or role names
        (default: all the user's roles on the project)."""
        if roles is not None:
            attrs["roles"] = [_role_ref(r) for r in roles]
        if expires_at is not None:
            attrs["expires_at"] = expires_at.isoformat() if isinstance(expires_at, datetime) else expires_at
        return ops.create_resource(
            self.session, ApplicationCredential, {"user_id": value_id(user)}, name=name, **attrs
        )

    def delete_application_credential(
        self,
        user: User | str,
        application_credential: ApplicationCredential | str,
        ignore_missing: bool = True,
    ) -> Call[None]:
        """Delete one of the user's application credentials."""
        return ops.delete_resource(
            self.session,
            ApplicationCredential,
            application_credential,
            {"user_id": value_id(user)},
            ignore_missing=ignore_missing,
        )

    # -- credentials ---------------------------------------------------------------------------

    def credentials(self, /, **query: Any) -> Listing[Credential]:
        """Credentials the caller may see (filters: ``user_id``, ``type``)."""
        return ops.list_resources(self.session, Credential, **query)

    def get_credential(self, credential: Credential | str) -> Call[Credential]:
        """The credential (raises NotFound)."""
        return ops.get_resource(self.session, Credential, credential)

    def create_credential(self, /, **attrs: Any) -> Call[Credential]:
        """A new credential (``type``, ``blob``, ``project_id``; ``user_id`` defaults to the
        caller). A ``blob`` given as a dict is sent as its JSON text, as Keystone stores it
        (EC2: ``{"access": ..., "secret": ...}``)."""
        if not isinstance(attrs.get("blob"), str | None):
            attrs["blob"] = json.dumps(attrs["blob"])
        if attrs.get("user_id") is None:
            attrs["user_id"] = yield from self._current_user()
        return (yield from ops.create_resource(self.session, Credential, **attrs))

    def update_credential(self, credential: Credential | str, /, **attrs: Any) -> Call[Credential]:
        """Change the credential; only the changed fields are sent."""
        if "blob" in attrs and not isinstance(attrs["blob"], str | None):
            attrs["blob"] = json.dumps(attrs["blob"])
        return ops.update_resource(self.session, Credential, credential, **attrs)

    def delete_credential(self, credential: Credential | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the credential."""
        return ops.delete_resource(self.session, Credential, credential, ignore_missing=ignore_missing)


def _role_ref(role: Role | Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(role, Role):
        return {"id": value_id(role)}
    if isinstance(role, str):
        return {"name": role}
    return dict(role)


__all__ = ["IdentityPlans"]
