"""EC2 credentials on users (Keystone's ``/v3/users/{id}/credentials/OS-EC2``) and tokens for
EC2-signed requests (``/v3/ec2tokens``).

They are ``ec2`` credentials of the credentials store, seen by access key instead of id.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pocketstack.core.errors import NotFound, Unauthorized
from pocketstack.core.identity.auth import AuthService, TokenInfo
from pocketstack.core.identity.credentials import EC2, CredentialData, CredentialService, hash_access
from pocketstack.core.identity.ec2_signature import verify
from pocketstack.store.db import Database
from pocketstack.store.identity_delegation_models import Trust
from pocketstack.store.models import Project, User

# COMPAT: Keystone's [credential] auth_ttl: how old a signed request may be, in minutes.
AUTH_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Ec2Credential:
    user_id: str
    tenant_id: str | None
    access: str
    secret: str
    trust_id: str | None


def _ec2(cred: CredentialData) -> Ec2Credential:
    blob = json.loads(cred.blob)
    return Ec2Credential(
        cred.user_id, cred.project_id, blob.get("access"), blob.get("secret"), blob.get("trust_id")
    )


def _not_found() -> NotFound:
    return NotFound("credential", "", message="EC2 access key not found.", code="identity.ec2.not_found")


def _parse_time(text: str) -> datetime:
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise Unauthorized(f"Credential timestamp is invalid: {text}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def check_timestamp(creds: dict[str, Any]) -> None:
    """Unauthorized when the signed request is older than AUTH_TTL (no time signed: fine)."""
    params = creds.get("params") or {}
    headers = creds.get("headers") or {}
    stamp = params.get("Timestamp") or headers.get("X-Amz-Date") or params.get("X-Amz-Date")
    if not stamp:
        return
    if datetime.now(UTC) > _parse_time(str(stamp)) + AUTH_TTL:
        raise Unauthorized("Credential is expired.")


class Ec2Service:
    def __init__(self, db: Database, credentials: CredentialService, auth: AuthService) -> None:
        self.db = db
        self.credentials = credentials
        self.auth = auth

    def create(
        self, user_id: str, project_id: str, trust_id: str | None = None, app_cred_id: str | None = None
    ) -> Ec2Credential:
        """Raises NotFound (user or project)."""
        with self.db.read() as s:
            if s.get(User, user_id) is None:
                raise NotFound("user", user_id, code="identity.user.not_found")
            if not project_id or s.get(Project, project_id) is None:
                raise NotFound("project", project_id or "", code="identity.project.not_found")
        blob = {"access": uuid.uuid4().hex, "secret": uuid.uuid4().hex, "trust_id": trust_id}
        if app_cred_id is not None:
            blob["app_cred_id"] = app_cred_id
        cred = self.credentials.create(
            user_id=user_id, type=EC2, blob=json.dumps(blob), project_id=project_id
        )
        return _ec2(cred)

    def list(self, user_id: str) -> list[Ec2Credential]:
        return [_ec2(c) for c in self.credentials.list(user_id=user_id, type=EC2)]

    def find(self, access: str) -> CredentialData | None:
        cred = self.credentials.find(hash_access(access))
        return cred if cred is not None and cred.type == EC2 else None

    def get(self, user_id: str, access: str) -> Ec2Credential:
        """The user's credential with that access key. Raises NotFound."""
        cred = self.find(access)
        if cred is None or cred.user_id != user_id:
            raise _not_found()
        return _ec2(cred)

    def delete(self, user_id: str, access: str) -> None:
        self.get(user_id, access)
        self.credentials.delete(hash_access(access))

    def authenticate(self, creds: dict[str, Any]) -> TokenInfo:
        """A token for the credential's project, if ``creds`` carries a valid signature.
        Raises Unauthorized, NotFound (unknown access key)."""
        access = creds.get("access")
        if not access or not isinstance(access, str):
            raise Unauthorized("EC2 signature not supplied.")
        cred = self.find(access)
        if cred is None or not cred.project_id:
            raise _not_found()
        blob = json.loads(cred.blob)
        verify(str(blob.get("secret") or ""), creds)
        check_timestamp(creds)
        user_id = cred.user_id
        trust_id = blob.get("trust_id")
        if trust_id:
            with self.db.read() as s:
                trust = s.get(Trust, trust_id)
                if trust is None:
                    raise Unauthorized(f"Could not find trust: {trust_id}.")
                user_id = trust.trustee_user_id  # the trust's token is the trustee's
        return self.auth.issue(
            user_id, "ec2credential", cred.project_id, app_cred_id=blob.get("app_cred_id"), trust_id=trust_id
        )
