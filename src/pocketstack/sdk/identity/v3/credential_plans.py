"""Identity v3 plans for application credentials and credentials (EC2 and others)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.identity.v3._support import IdentityBasePlans
from pocketstack.sdk.identity.v3.resources import ApplicationCredential, Credential, Role, User
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.resource import value_id


class CredentialPlans(IdentityBasePlans):
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
