"""Credentials (Keystone's ``/v3/credentials``): secrets of some type kept for a user, the
blob encrypted at rest with the credential keys (``credential_keys.py``).

An ``ec2`` credential's blob is a JSON object with an ``access`` key; its id is
sha256(access), so the EC2 API can find it by the access key alone, and it is tied to a
project. One made with a trust- or application-credential-scoped token remembers that in its
blob, so tokens issued from it (``/v3/ec2tokens``) carry the same delegation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict
from pocketstack.core.identity.common import get_or_404, new_id, utcnow
from pocketstack.core.identity.credential_keys import CredentialCipher
from pocketstack.store.db import Database
from pocketstack.store.identity_delegation_models import Credential
from pocketstack.store.models import Project, User

EC2 = "ec2"
# COMPAT: the blob keys of an ec2 credential that tie it to a delegation; never changed.
_SCOPE_KEYS = ("trust_id", "app_cred_id", "access_token_id", "access_id")


@dataclass(frozen=True)
class CredentialData:
    """A credential as the API shows it: the blob decrypted, the extra attributes apart."""

    id: str
    user_id: str
    project_id: str | None
    type: str
    blob: str
    extra: dict[str, Any] = field(default_factory=dict)


def hash_access(access: str) -> str:
    return hashlib.sha256(access.encode()).hexdigest()


def ec2_blob(blob: str) -> dict[str, Any]:
    """The blob of an ec2 credential as an object; BadRequest unless it has an access key."""
    try:
        data = json.loads(blob)
    except (ValueError, TypeError):
        raise BadRequest("Invalid blob in credential.") from None
    if not data or not isinstance(data, dict):
        raise BadRequest(
            "Expecting to find blob in credential. The server could not comply with the request."
        )
    if not isinstance(data.get("access"), str) or not data["access"]:
        raise BadRequest(
            "Expecting to find access in credential. The server could not comply with the request."
        )
    return data


class CredentialService:
    def __init__(self, db: Database, cipher: CredentialCipher) -> None:
        self.db = db
        self.cipher = cipher

    def _data(self, cred: Credential) -> CredentialData:
        blob = self.cipher.open(cred.encrypted_blob)
        return CredentialData(cred.id, cred.user_id, cred.project_id, cred.type, blob, dict(cred.extra))

    # -- reading -------------------------------------------------------------------------
    def find(self, cred_id: str) -> CredentialData | None:
        with self.db.read() as s:
            cred = s.get(Credential, cred_id) if cred_id else None
            return self._data(cred) if cred else None

    def get(self, cred_id: str) -> CredentialData:
        """Raises NotFound."""
        with self.db.read() as s:
            return self._data(get_or_404(s, Credential, cred_id, "credential"))

    def list(self, user_id: str | None = None, type: str | None = None) -> list[CredentialData]:
        stmt = select(Credential).order_by(Credential.created_at, Credential.id)
        if user_id is not None:
            stmt = stmt.where(Credential.user_id == user_id)
        if type is not None:
            stmt = stmt.where(Credential.type == type)
        with self.db.read() as s:
            return [self._data(c) for c in s.scalars(stmt)]

    # -- writing -------------------------------------------------------------------------
    def create(
        self,
        *,
        user_id: str,
        type: str,
        blob: str,
        project_id: str | None = None,
        extra: dict[str, Any] | None = None,
        trust_id: str | None = None,
        app_cred_id: str | None = None,
    ) -> CredentialData:
        """Raises BadRequest (an ec2 blob without access, or without project), NotFound
        (user or project), Conflict (an ec2 credential with that access key exists)."""
        cred_id = new_id()
        if type.lower() == EC2:
            if not project_id:
                raise BadRequest("Expecting to find project_id in credential. The server could not comply.")
            data = ec2_blob(blob)
            cred_id = hash_access(data["access"])
            for key, value in (("trust_id", trust_id), ("app_cred_id", app_cred_id)):
                if value is not None:
                    data[key] = value
                    blob = json.dumps(data)
        sealed, key_hash = self.cipher.seal(blob)
        try:
            with self.db.transaction() as s:
                self._check_owner(s, user_id, project_id)
                if s.get(Credential, cred_id) is not None:
                    raise _duplicate(cred_id)
                cred = Credential(
                    id=cred_id,
                    user_id=user_id,
                    project_id=project_id,
                    type=type,
                    encrypted_blob=sealed,
                    key_hash=key_hash,
                    extra=extra or {},
                    created_at=utcnow(),
                )
                s.add(cred)
                s.flush()
        except IntegrityError:
            raise _duplicate(cred_id) from None
        return CredentialData(cred_id, user_id, project_id, type, blob, extra or {})

    @staticmethod
    def _check_owner(s: Session, user_id: str, project_id: str | None) -> None:
        get_or_404(s, User, user_id, "user")
        if project_id:
            get_or_404(s, Project, project_id, "project")

    def update(self, cred_id: str, changes: dict[str, Any]) -> CredentialData:
        """Change blob, type, user_id, project_id or extra attributes. Raises NotFound,
        BadRequest (an ec2 blob losing its access key or changing its delegation)."""
        with self.db.transaction() as s:
            cred = get_or_404(s, Credential, cred_id, "credential")
            current = self._data(cred)
            new_type = changes.get("type", cred.type)
            project_id = changes.get("project_id", cred.project_id)
            if new_type.lower() == EC2 and not project_id:
                raise BadRequest("Expecting to find project_id in credential. The server could not comply.")
            if "blob" in changes and new_type.lower() == EC2:
                new_blob = ec2_blob(changes["blob"])
                old_blob = json.loads(current.blob) if cred.type.lower() == EC2 else {}
                for key in _SCOPE_KEYS:
                    if old_blob.get(key) != new_blob.get(key):
                        raise BadRequest(f"{key} can not be updated for credential.")
            self._check_owner(s, changes.get("user_id", cred.user_id), project_id)
            cred.type, cred.project_id = new_type, project_id
            cred.user_id = changes.get("user_id", cred.user_id)
            if "blob" in changes:
                cred.encrypted_blob, cred.key_hash = self.cipher.seal(changes["blob"])
            extra = {
                k: v for k, v in changes.items() if k not in ("id", "type", "project_id", "user_id", "blob")
            }
            if extra:
                cred.extra = {**cred.extra, **extra}
            s.flush()
            return self._data(cred)

    def delete(self, cred_id: str) -> None:
        """Raises NotFound."""
        with self.db.transaction() as s:
            s.delete(get_or_404(s, Credential, cred_id, "credential"))


def _duplicate(cred_id: str) -> Conflict:
    return Conflict(
        f"Conflict occurred attempting to store credential - Duplicate ID, {cred_id}.",
        code="identity.credential.conflict",
    )
