"""The token format: a small msgpack payload sealed with Fernet (AES-CBC + HMAC-SHA256).

The payload holds ids, scope, methods, times and audit ids only; roles and the catalog are
looked up when a token is validated, so a token never carries stale rights.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import msgpack
from cryptography.fernet import InvalidToken

from pocketstack.core.errors import Unauthorized
from pocketstack.core.identity.keys import KeyRing

FORMAT_VERSION = 1
# New methods go at the end: a token stores its methods as a bit mask of these positions.
METHODS = ("password", "token", "application_credential", "ec2credential")
SCOPES = ("unscoped", "project", "domain", "system")
MAX_TOKEN_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class TokenPayload:
    user_id: str
    methods: tuple[str, ...]
    scope: str
    scope_id: str | None
    issued_at: datetime
    expires_at: datetime
    audit_id: str
    audit_chain_id: str
    application_credential_id: str | None = None
    trust_id: str | None = None

    @property
    def audit_ids(self) -> list[str]:
        if self.audit_chain_id == self.audit_id:
            return [self.audit_id]
        return [self.audit_id, self.audit_chain_id]


def new_audit_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def _pack_id(value: str | None) -> bytes | str | None:
    """32-hex ids (uuid4().hex) travel as 16 raw bytes; anything else as text."""
    if value is not None and len(value) == 32:
        try:
            return binascii.unhexlify(value)
        except binascii.Error:
            pass
    return value


def _unpack_id(value: bytes | str | None) -> str | None:
    return binascii.hexlify(value).decode() if isinstance(value, bytes) else value


def _pack_audit(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "==")


def _unpack_audit(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def _micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


class TokenFormatter:
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    def seal(self, p: TokenPayload) -> str:
        mask = sum(1 << METHODS.index(m) for m in p.methods)
        body = [
            FORMAT_VERSION,
            _pack_id(p.user_id),
            mask,
            SCOPES.index(p.scope),
            _pack_id(p.scope_id),
            _micros(p.issued_at),
            _micros(p.expires_at),
            _pack_audit(p.audit_id),
            _pack_audit(p.audit_chain_id),
            _pack_id(p.application_credential_id),
        ]
        if p.trust_id is not None:
            body.append(_pack_id(p.trust_id))
        token = self.keys.fernet.encrypt(msgpack.packb(body, use_bin_type=True))
        return token.rstrip(b"=").decode()

    def open(self, token: str) -> TokenPayload:
        """Decrypt and decode; any fault (tampering, unknown key, garbage) is a 401."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("The request you have made requires authentication.")
        try:
            raw = self.keys.fernet.decrypt(token.encode() + b"=" * (-len(token) % 4))
            body = msgpack.unpackb(raw, raw=False)
            if body[0] != FORMAT_VERSION:
                raise ValueError("unknown token format")
            return TokenPayload(
                user_id=_unpack_id(body[1]) or "",
                methods=tuple(m for i, m in enumerate(METHODS) if body[2] & (1 << i)),
                scope=SCOPES[body[3]],
                scope_id=_unpack_id(body[4]),
                issued_at=_from_micros(body[5]),
                expires_at=_from_micros(body[6]),
                audit_id=_unpack_audit(body[7]),
                audit_chain_id=_unpack_audit(body[8]),
                application_credential_id=_unpack_id(body[9]),
                # Tokens issued before trusts existed end after the credential.
                trust_id=_unpack_id(body[10]) if len(body) > 10 else None,
            )
        except (InvalidToken, ValueError, TypeError, IndexError, msgpack.UnpackException):
            raise Unauthorized("The request you have made requires authentication.") from None
