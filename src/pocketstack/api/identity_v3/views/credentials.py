"""Credential bodies: the blob as the string it was given (decrypted), never the sealed form."""

from __future__ import annotations

from typing import Any

from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.core.identity.credentials import CredentialData
from pocketstack.core.identity.ec2 import Ec2Credential


def credential(base_url: str, c: CredentialData) -> dict[str, Any]:
    body: dict[str, Any] = dict(c.extra)
    body.update(
        {
            "id": c.id,
            "user_id": c.user_id,
            "project_id": c.project_id,
            "type": c.type,
            "blob": c.blob,
            "links": links(base_url, f"credentials/{c.id}"),
        }
    )
    return body


def credentials(base_url: str, items: list[CredentialData], query_string: str = "") -> dict[str, Any]:
    path = "credentials" + (f"?{query_string}" if query_string else "")
    return {
        "credentials": [credential(base_url, c) for c in items],
        "links": collection_links(base_url, path),
    }


def ec2_credential(base_url: str, c: Ec2Credential) -> dict[str, Any]:
    return {
        "user_id": c.user_id,
        "tenant_id": c.tenant_id,
        "access": c.access,
        "secret": c.secret,
        "trust_id": c.trust_id,
        "links": links(base_url, f"users/{c.user_id}/credentials/OS-EC2/{c.access}"),
    }


def ec2_credentials(base_url: str, user_id: str, items: list[Ec2Credential]) -> dict[str, Any]:
    return {
        "credentials": [ec2_credential(base_url, c) for c in items],
        "links": collection_links(base_url, f"users/{user_id}/credentials/OS-EC2"),
    }
