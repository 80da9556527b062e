"""Keypairs: public keys (ssh) or certificates (x509) a user keeps to give to new servers.

A keypair belongs to a user, not a project, and is named uniquely per user. When asked to
generate one, we return the private half once and keep only the public half.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from datetime import timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest, Conflict, NotFound, QuotaExceeded
from pocketstack.core.identity.common import utcnow
from pocketstack.store.compute_models import Keypair
from pocketstack.store.db import Database

SSH = "ssh"
X509 = "x509"
KEY_TYPES = (SSH, X509)
DEFAULT_LIMIT = 100  # Nova's default ``key_pairs`` quota, counted per user
GENERATED_BITS = 2048
# COMPAT: Nova marks the public keys it generates with this comment; tools grep for it.
GENERATED_COMMENT = "Generated-by-Nova"
_UPN_OID = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")  # Microsoft User Principal Name


class InvalidKeypair(BadRequest):
    code = "compute.keypair.invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Keypair data is invalid: {reason}")


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def ssh_fingerprint(public_key: str) -> str:
    """The md5 fingerprint of an OpenSSH public key line, ``aa:bb:...``; InvalidKeypair when the
    line is not a key the ``cryptography`` package can load."""
    try:
        serialization.load_ssh_public_key(public_key.encode("utf-8"))
        blob = base64.b64decode(public_key.split(" ")[1])
    except (ValueError, IndexError, binascii.Error, UnicodeError, TypeError):
        raise InvalidKeypair("failed to generate fingerprint") from None
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(pem: str) -> str:
    """The SHA-1 fingerprint of a PEM certificate, ``aa:bb:...``."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except (ValueError, TypeError, UnicodeError) as exc:
        raise InvalidKeypair(f"failed to generate X509 fingerprint. Error message: {exc}") from None
    return _colon_hex(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - the fingerprint Nova shows


def fingerprint(public_key: str, key_type: str) -> str:
    return x509_fingerprint(public_key) if key_type == X509 else ssh_fingerprint(public_key)


def generate_ssh() -> tuple[str, str]:
    """A new RSA key as (private key in PEM, as Nova gives it; OpenSSH public key line)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=GENERATED_BITS)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, f"{public.decode('ascii')} {GENERATED_COMMENT}"


def generate_x509(user_id: str) -> tuple[str, str]:
    """A client certificate for WinRM, as Nova makes it: (base64 PKCS#12 bundle holding the
    key and certificate, PEM certificate), CN and UPN naming the user, valid ten years."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=GENERATED_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    upn = f"{user_id}@localhost".encode()
    der_upn = b"\x0c" + _der_length(len(upn)) + upn  # a DER UTF8String
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(_UPN_OID, der_upn)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(None, key, cert, None, serialization.NoEncryption())
    return base64.b64encode(bundle).decode("ascii"), cert.public_bytes(serialization.Encoding.PEM).decode()


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def not_found(user_id: str, name: str) -> NotFound:
    return NotFound(
        "keypair",
        name,
        code="compute.keypair.not_found",
        message=f"Keypair {name} not found for user {user_id}",
    )


@functools.cache
def _list_statement(after_marker: bool, limited: bool) -> Select[Any]:
    """A user's keypairs by name, built once per shape (parameters ``user_id``, ``marker``,
    ``limit``)."""
    stmt = select(Keypair).where(Keypair.user_id == bindparam("user_id")).order_by(Keypair.name)
    if after_marker:
        stmt = stmt.where(Keypair.name > bindparam("marker"))
    return stmt.limit(bindparam("limit")) if limited else stmt


class KeypairService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def get_public_key(session: Session, user_id: str, name: str) -> Keypair:
        """The user's keypair called ``name``; NotFound when there is none."""
        keypair = session.get(Keypair, (user_id, name))
        if keypair is None:
            raise not_found(user_id, name)
        return keypair

    def get(self, user_id: str, name: str) -> Keypair:
        """The user's keypair called ``name``; NotFound when there is none."""
        with self.db.read() as s:
            return self.get_public_key(s, user_id, name)

    def list(self, user_id: str, limit: int | None = None, marker: str | None = None) -> list[Any]:
        """The user's keypairs by name (rows with a Keypair's attributes); ``marker`` is the
        name to continue after (BadRequest when the user has no keypair of that name)."""
        if marker is not None:
            with self.db.read() as s:
                if s.get(Keypair, (user_id, marker)) is None:
                    raise BadRequest(f"Marker {marker} could not be found.")
        stmt = _list_statement(marker is not None, limit is not None)
        return list(self.db.rows(stmt, {"user_id": user_id, "marker": marker, "limit": limit}))

    def create(
        self,
        user_id: str,
        name: str,
        key_type: str = SSH,
        public_key: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> tuple[Keypair, str | None]:
        """Import ``public_key``, or generate a key pair when it is None. Returns the keypair
        and the generated private key (None on import), which is never stored.

        Raises QuotaExceeded past ``limit`` keypairs for the user (-1: no limit),
        InvalidKeypair for a key that cannot be read, Conflict when the user already has a
        keypair of that name.
        """
        with self.db.read() as s:
            count = s.scalar(select(func.count()).select_from(Keypair).where(Keypair.user_id == user_id))
        if 0 <= limit < (count or 0) + 1:
            raise QuotaExceeded("Quota exceeded, too many key pairs.", code="compute.keypair.quota_exceeded")
        private_key = None
        if public_key is None:
            private_key, public_key = generate_x509(user_id) if key_type == X509 else generate_ssh()
        keypair = Keypair(
            user_id=user_id,
            name=name,
            type=key_type,
            fingerprint=fingerprint(public_key, key_type),
            public_key=public_key,
            created_at=utcnow(),
        )
        exists = Conflict(f"Key pair '{name}' already exists.", code="compute.keypair.exists")
        try:
            with self.db.transaction() as s:
                if s.get(Keypair, (user_id, name)) is not None:
                    raise exists
                s.add(keypair)
        except IntegrityError:
            raise exists from None
        return keypair, private_key

    def delete(self, user_id: str, name: str) -> None:
        """Forget the user's keypair ``name``; NotFound when there is none."""
        with self.db.transaction() as s:
            s.delete(self.get_public_key(s, user_id, name))
