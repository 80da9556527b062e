"""Identity v3 bodies. Keystone wraps one resource in its singular name (``{"project": {...}}``)
and a list in the plural, updates with PATCH of the changed fields, and does not page lists."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY, Paging, Resource


class IdentityResource(Resource):
    service_type: ClassVar[str] = "identity"
    paging: ClassVar[Paging] = "none"
    commit_method: ClassVar[str] = "PATCH"

    id: Annotated[str | None, READ_ONLY] = None
    links: Annotated[dict[str, Any] | None, READ_ONLY] = None


class Project(IdentityResource):
    base_path: ClassVar[str] = "/projects"
    resource_key: ClassVar[str | None] = "project"
    resources_key: ClassVar[str | None] = "projects"

    name: str | None = None
    description: str | None = None
    domain_id: Annotated[str | None, CREATE_ONLY] = None
    parent_id: Annotated[str | None, CREATE_ONLY] = None
    is_domain: Annotated[bool | None, CREATE_ONLY] = None
    is_enabled: bool | None = Field(None, alias="enabled")
    tags: list[str] | None = None
    options: dict[str, Any] | None = None


class User(IdentityResource):
    base_path: ClassVar[str] = "/users"
    resource_key: ClassVar[str | None] = "user"
    resources_key: ClassVar[str | None] = "users"

    name: str | None = None
    description: str | None = None
    email: str | None = None
    domain_id: str | None = None
    default_project_id: str | None = None
    is_enabled: bool | None = Field(None, alias="enabled")
    password: Annotated[str | None, CREATE_ONLY] = None
    password_expires_at: Annotated[str | None, READ_ONLY] = None
    options: dict[str, Any] | None = None


class Domain(IdentityResource):
    base_path: ClassVar[str] = "/domains"
    resource_key: ClassVar[str | None] = "domain"
    resources_key: ClassVar[str | None] = "domains"

    name: str | None = None
    description: str | None = None
    is_enabled: bool | None = Field(None, alias="enabled")
    options: dict[str, Any] | None = None


class Role(IdentityResource):
    base_path: ClassVar[str] = "/roles"
    resource_key: ClassVar[str | None] = "role"
    resources_key: ClassVar[str | None] = "roles"

    name: str | None = None
    description: str | None = None
    domain_id: Annotated[str | None, CREATE_ONLY] = None
    options: dict[str, Any] | None = None


class RoleAssignment(Resource):
    """One row of ``/v3/role_assignments``: a role of a user or group on a scope. ``role``,
    ``user``, ``group`` hold ``{"id"}`` (and ``name`` with ``include_names``); ``scope`` holds
    ``project``, ``domain`` or ``system``."""

    service_type: ClassVar[str] = "identity"
    base_path: ClassVar[str] = "/role_assignments"
    resources_key: ClassVar[str | None] = "role_assignments"
    paging: ClassVar[Paging] = "none"

    role: Annotated[dict[str, Any] | None, READ_ONLY] = None
    scope: Annotated[dict[str, Any] | None, READ_ONLY] = None
    user: Annotated[dict[str, Any] | None, READ_ONLY] = None
    group: Annotated[dict[str, Any] | None, READ_ONLY] = None
    links: Annotated[dict[str, Any] | None, READ_ONLY] = None

    @property
    def role_id(self) -> str | None:
        return None if self.role is None else self.role.get("id")

    @property
    def user_id(self) -> str | None:
        return None if self.user is None else self.user.get("id")

    @property
    def group_id(self) -> str | None:
        return None if self.group is None else self.group.get("id")

    @property
    def project_id(self) -> str | None:
        project = (self.scope or {}).get("project")
        return project.get("id") if isinstance(project, dict) else None

    @property
    def domain_id(self) -> str | None:
        domain = (self.scope or {}).get("domain")
        return domain.get("id") if isinstance(domain, dict) else None


class Group(IdentityResource):
    base_path: ClassVar[str] = "/groups"
    resource_key: ClassVar[str | None] = "group"
    resources_key: ClassVar[str | None] = "groups"

    name: str | None = None
    description: str | None = None
    domain_id: Annotated[str | None, CREATE_ONLY] = None


class Region(IdentityResource):
    base_path: ClassVar[str] = "/regions"
    resource_key: ClassVar[str | None] = "region"
    resources_key: ClassVar[str | None] = "regions"

    id: Annotated[str | None, CREATE_ONLY] = None
    description: str | None = None
    parent_region_id: str | None = None


class Service(IdentityResource):
    base_path: ClassVar[str] = "/services"
    resource_key: ClassVar[str | None] = "service"
    resources_key: ClassVar[str | None] = "services"

    name: str | None = None
    type: str | None = None
    description: str | None = None
    is_enabled: bool | None = Field(None, alias="enabled")


class Endpoint(IdentityResource):
    base_path: ClassVar[str] = "/endpoints"
    resource_key: ClassVar[str | None] = "endpoint"
    resources_key: ClassVar[str | None] = "endpoints"

    interface: str | None = None
    region_id: str | None = None
    service_id: str | None = None
    url: str | None = None
    is_enabled: bool | None = Field(None, alias="enabled")
    region: Annotated[str | None, READ_ONLY] = None


class ApplicationCredential(IdentityResource):
    """A user's application credential; ``secret`` is shown only in the answer to its create."""

    base_path: ClassVar[str] = "/users/{user_id}/application_credentials"
    resource_key: ClassVar[str | None] = "application_credential"
    resources_key: ClassVar[str | None] = "application_credentials"

    name: Annotated[str | None, CREATE_ONLY] = None
    description: Annotated[str | None, CREATE_ONLY] = None
    secret: Annotated[str | None, CREATE_ONLY] = None
    expires_at: Annotated[str | None, CREATE_ONLY] = None
    roles: Annotated[list[dict[str, Any]] | None, CREATE_ONLY] = None
    unrestricted: Annotated[bool | None, CREATE_ONLY] = None
    access_rules: Annotated[list[dict[str, Any]] | None, CREATE_ONLY] = None
    user_id: Annotated[str | None, READ_ONLY] = None
    project_id: Annotated[str | None, READ_ONLY] = None
    system: Annotated[Any, READ_ONLY] = None


class Credential(IdentityResource):
    """A stored credential; ``type="ec2"`` with a JSON ``blob`` holding ``access`` and ``secret``
    is what S3 requests are signed with."""

    base_path: ClassVar[str] = "/credentials"
    resource_key: ClassVar[str | None] = "credential"
    resources_key: ClassVar[str | None] = "credentials"

    type: str | None = None
    blob: str | None = None
    user_id: str | None = None
    project_id: str | None = None
