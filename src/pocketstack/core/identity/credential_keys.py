"""The credential key repository: Fernet keys that seal credential blobs at rest.

Laid out and rotated like the token keys (``keys.py``) but separate from them, as Keystone
keeps ``credential-keys`` apart from ``fernet-keys``: rotating token keys must never make a
stored secret unreadable. Each stored blob records the hash of the key that sealed it.
Rotation re-seals every blob with the primary key before and after the keys move, so no blob
is left under a key the rotation prunes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from pocketstack.core.identity import keys
from pocketstack.store.db import Database
from pocketstack.store.identity_delegation_models import Credential


class CredentialCipher:
    def __init__(self, directory: Path) -> None:
        keys.initialize(directory)
        self.directory = directory
        self.ring = keys.KeyRing(directory)

    def primary_hash(self) -> str:
        return hashlib.sha256(keys.primary_key(self.directory)).hexdigest()

    def seal(self, blob: str) -> tuple[str, str]:
        """The encrypted blob and the hash of the key that sealed it."""
        key_hash = self.primary_hash()
        return self.ring.fernet.encrypt(blob.encode()).decode(), key_hash

    def open(self, sealed: str) -> str:
        """The blob. RuntimeError when no key in the repository opens it (keys lost)."""
        try:
            return self.ring.fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            pass
        self.ring.refresh()  # sealed by a rotation this process has not noticed yet
        try:
            return self.ring.fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise RuntimeError("a credential blob cannot be decrypted with the credential keys") from None


def reseal_all(db: Database, cipher: CredentialCipher) -> int:
    """Re-encrypt every blob not sealed with the primary key; returns how many."""
    primary = cipher.primary_hash()
    count = 0
    with db.transaction() as s:
        for cred in s.scalars(select(Credential).where(Credential.key_hash != primary)):
            cred.encrypted_blob, cred.key_hash = cipher.seal(cipher.open(cred.encrypted_blob))
            count += 1
    return count


def rotate(db: Database, directory: Path, max_active_keys: int = 3) -> list[int]:
    """Rotate the credential keys (staged -> primary, new staged, prune) and re-seal every
    stored blob with the new primary key. Returns the key numbers kept."""
    reseal_all(db, CredentialCipher(directory))
    kept = keys.rotate(directory, max_active_keys)
    reseal_all(db, CredentialCipher(directory))
    return kept
