"""The secrets TempURL and FormPost sign with, and how a signature is read and checked.

Keys are the account's ``X-Account-Meta-Temp-URL-Key`` and ``-Key-2`` and the container's
``X-Container-Meta-Temp-URL-Key`` and ``-Key-2`` (read from the core, not through the stack).
A signature is an HMAC, hex (its length names the digest) or ``<digest>:<base64>``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from pocketstack.cloud import Cloud
from pocketstack.core.errors import NotFound

# COMPAT: Swift accepts sha1 (deprecated), sha256 and sha512 unless configured otherwise.
ALLOWED_DIGESTS = frozenset({"sha1", "sha256", "sha512"})
HEX_LENGTHS = {40: "sha1", 64: "sha256", 128: "sha512"}
KEY_NAMES = ("temp-url-key", "temp-url-key-2")

ACCOUNT_SCOPE = "account"
CONTAINER_SCOPE = "container"


@dataclass(frozen=True)
class SigningKey:
    value: str
    scope: str  # ACCOUNT_SCOPE or CONTAINER_SCOPE


def split_signature(value: str) -> tuple[str, str] | None:
    """(digest name, hex signature), or None when malformed."""
    if ":" in value:
        algorithm, encoded = value.split(":", 1)
        # COMPAT: standard and URL-safe base64 are both taken, padded or not.
        if ("-" in encoded or "_" in encoded) and not ("+" in encoded or "/" in encoded):
            encoded = encoded.replace("-", "+").replace("_", "/")
        encoded = encoded.rstrip("=")
        encoded += "=" * (-len(encoded) % 4)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
        return algorithm.lower(), raw.hex()
    try:
        bytes.fromhex(value)
    except ValueError:
        return None
    algorithm = HEX_LENGTHS.get(len(value))
    return (algorithm, value.lower()) if algorithm else None


def hmac_hex(key: str, message: str, algorithm: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), getattr(hashlib, algorithm)).hexdigest()


def first_match(signature_hex: str, candidates: list[tuple[str, SigningKey]]) -> SigningKey | None:
    """The key whose HMAC equals the signature (compared in constant time)."""
    found = None
    for expected, key in candidates:
        if hmac.compare_digest(expected, signature_hex) and found is None:
            found = key
    return found


def keys_from_meta(meta: dict[str, str], scope: str) -> list[SigningKey]:
    return [SigningKey(meta[name], scope) for name in KEY_NAMES if meta.get(name)]


async def signing_keys(cloud: Cloud, project_id: str, container: str | None) -> list[SigningKey]:
    """The account's keys, then the container's (when it exists)."""

    def read() -> list[SigningKey]:
        keys = keys_from_meta(dict(cloud.objects.account(project_id).meta), ACCOUNT_SCOPE)
        if container:
            try:
                info = cloud.objects.container(project_id, container)
            except NotFound:
                return keys
            keys += keys_from_meta(dict(info.meta), CONTAINER_SCOPE)
        return keys

    return await run_in_threadpool(read)
