"""Keypair bodies as Nova renders them, per microversion."""

from __future__ import annotations

import hashlib
from typing import Any

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.store.compute_models import Keypair

# COMPAT: Nova writes keypair times as naive ISO 8601 with microseconds and no zone.
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def numeric_id(keypair: Keypair) -> int:
    """COMPAT: Nova shows its keypair row id, an integer. Keypairs here are keyed by (user,
    name), so the id is a stable 31-bit number derived from that key."""
    digest = hashlib.sha256(f"{keypair.user_id}\0{keypair.name}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def brief(req: ApiRequest, keypair: Keypair) -> dict[str, Any]:
    """An item of ``GET /os-keypairs`` (wrapped in ``{"keypair": ...}`` as Nova does)."""
    body: dict[str, Any] = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if gated(req, "keypair.type"):
        body["type"] = keypair.type
    return {"keypair": body}


def created(req: ApiRequest, keypair: Keypair, private_key: str | None) -> dict[str, Any]:
    """The answer to a create; the private key only when we generated it."""
    body = brief(req, keypair)["keypair"]
    body["user_id"] = keypair.user_id
    if private_key is not None:
        body["private_key"] = private_key
    return {"keypair": body}


def full(req: ApiRequest, keypair: Keypair) -> dict[str, Any]:
    """``GET /os-keypairs/{name}``. Keypairs cannot be changed and are hard-deleted, so the
    soft-delete and update fields Nova shows are always empty."""
    body = brief(req, keypair)["keypair"]
    body.update(
        user_id=keypair.user_id,
        id=numeric_id(keypair),
        created_at=keypair.created_at.strftime(_TIME_FORMAT),
        updated_at=None,
        deleted=False,
        deleted_at=None,
    )
    return {"keypair": body}
