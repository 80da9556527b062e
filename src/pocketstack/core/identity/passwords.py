"""Password hashing with argon2id, and a short-lived cache of recent verifications.

The cache lets a client that logs in over and over (CI jobs, SDK sessions) skip the deliberately
slow hash: it maps HMAC(process-secret, user_id + password) to the stored hash that password was
verified against. A hit counts only while the stored hash is unchanged, so a password change
invalidates it at once. Nothing of it touches disk.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

# argon2id's cost (RFC 9106's second recommended option): the defaults of the settings
# password_hash_time_cost and password_hash_memory_kib. A hash carries its own parameters, so
# a changed setting applies to new hashes and every stored one still verifies.
DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_KIB = 64 * 1024


class PasswordVerifier:
    """Hashes passwords and secrets, and verifies them (with the cache above)."""

    def __init__(
        self,
        ttl_seconds: float = 300.0,
        max_entries: int = 4096,
        time_cost: int = DEFAULT_TIME_COST,
        memory_kib: int = DEFAULT_MEMORY_KIB,
    ) -> None:
        if time_cost < 1 or memory_kib < 64:
            raise ValueError("password hashing needs a time cost of at least 1 and at least 64 KiB of memory")
        self._cost = (time_cost, memory_kib)
        self._key = secrets.token_bytes(32)
        self._ttl = ttl_seconds
        self._max = max_entries
        self._seen: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    @functools.cached_property
    def _hasher(self) -> PasswordHasher:
        """Made on first use: a start with nothing to hash does not import argon2."""
        from argon2 import PasswordHasher

        time_cost, memory_kib = self._cost
        return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the user does not exist, so both cases cost the same time."""
        return self._hasher.hash(secrets.token_urlsafe(16))

    def _fingerprint(self, subject: str, password: str) -> bytes:
        msg = subject.encode() + b"\0" + password.encode()
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def verify(self, subject: str, password: str, stored_hash: str | None) -> bool:
        """True when ``password`` matches ``stored_hash``; constant work when the hash is None."""
        if stored_hash is None:
            self._slow_verify(self._dummy_hash, password)
            return False
        fp = self._fingerprint(subject, password)
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(fp)
        if hit is not None and hit[1] > now and hmac.compare_digest(hit[0], stored_hash):
            return True
        if not self._slow_verify(stored_hash, password):
            return False
        with self._lock:
            self._seen[fp] = (stored_hash, now + self._ttl)
            self._seen.move_to_end(fp)
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
        return True

    def _slow_verify(self, stored_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
