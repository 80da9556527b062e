"""AWS request signatures, versions 2 and 4, computed as keystoneclient's Ec2Signer computes
them over the request parts an EC2 front end forwards to ``/v3/ec2tokens``; and the SigV4
pieces S3 (``api/s3``) signs its own canonical request and aws-chunked bodies with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse
from typing import Any

from pocketstack.core.errors import Unauthorized

V4 = "AWS4-HMAC-SHA256"


def _utf8(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def canonical_query(params: dict[str, Any]) -> str:
    pairs = []
    for key in sorted(params):
        value = urllib.parse.quote(_utf8(params[key]), safe="-_~")
        pairs.append(urllib.parse.quote(key, safe="") + "=" + value)
    return "&".join(pairs)


def is_v4(creds: dict[str, Any]) -> bool:
    auth = (creds.get("headers") or {}).get("Authorization")
    if auth is not None:
        return str(auth).startswith(V4)
    return (creds.get("params") or {}).get("X-Amz-Algorithm") == V4


def signature_v2(secret: str, params: dict[str, Any], verb: str, host: str, path: str) -> str:
    # COMPAT: Ec2Signer signs with HMAC-SHA256 and says so in the signed parameters.
    params = {**params, "SignatureMethod": "HmacSHA256"}
    text = f"{verb}\n{host}\n{path}\n" + canonical_query(params)
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _auth_param(name: str, headers: dict[str, Any], params: dict[str, Any]) -> str:
    if "Authorization" in headers:
        return str(headers["Authorization"]).partition(f"{name}=")[2].split(",")[0]
    return str(params.get(f"X-Amz-{name}") or "")


def signature_v4(
    secret: str,
    params: dict[str, Any],
    verb: str,
    path: str,
    headers: dict[str, Any],
    body_hash: str,
) -> str:
    signed = _auth_param("SignedHeaders", headers, params)
    lowered = {str(k).lower().strip(): str(v).strip() for k, v in headers.items()}
    strip_port = re.match(r"Boto/2\.[0-9]\.[0-2]", lowered.get("user-agent", ""))
    lines = []
    for name in signed.split(";"):
        if name in lowered:
            value = lowered[name].split(":")[0] if name == "host" and strip_port else lowered[name]
            lines.append(f"{name}:{value}")
    query = "" if verb.upper() == "POST" else canonical_query(params)
    canonical = "\n".join((verb.upper(), path, query, "\n".join(lines) + "\n", signed, body_hash))
    scope_parts = _auth_param("Credential", headers, params).split("/")
    if len(scope_parts) < 5:
        raise Unauthorized("Invalid EC2 signature.")
    date = str(headers.get("X-Amz-Date") or params.get("X-Amz-Date") or "")
    if not date.startswith(scope_parts[1]):
        raise Unauthorized("Request date mismatch error.")
    to_sign = v4_string_to_sign(date, "/".join(scope_parts[1:]), canonical)
    return v4_sign(v4_signing_key(secret, scope_parts[1], scope_parts[2], scope_parts[3]), to_sign)


def v4_signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The key a SigV4 signature of that day, region and service is made with."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def v4_string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    return "\n".join((V4, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()))


def v4_sign(key: bytes, string_to_sign: str) -> str:
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _s3_encode(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def s3_canonical_request(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, list[str]],
    signed_headers: str,
    payload_hash: str,
) -> str:
    """S3's SigV4 canonical request. It differs from the EC2 one above: the path is signed as
    sent (no second encoding), a POST signs its query too, repeated parameters and headers are
    all signed, and header values have their inner runs of spaces folded. ``path`` is the
    request's raw (percent-encoded) path, ``query`` the decoded pairs (the presigned
    ``X-Amz-Signature`` left out), ``headers`` lower-case names to their values in order."""
    pairs = sorted((_s3_encode(k), _s3_encode(v)) for k, v in query)
    lines = []
    for name in signed_headers.split(";"):
        values = (" ".join(v.split()) for v in headers.get(name, []))
        lines.append(f"{name}:{','.join(values)}\n")
    canonical_query_text = "&".join(f"{k}={v}" for k, v in pairs)
    return "\n".join((method, path, canonical_query_text, "".join(lines), signed_headers, payload_hash))


EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def s3_chunk_string_to_sign(amz_date: str, scope: str, previous_signature: str, chunk: bytes) -> str:
    """What one chunk of an aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) body signs: the
    previous chunk's signature (the seed, the request's own, for the first) and its data."""
    digest = hashlib.sha256(chunk).hexdigest()
    return "\n".join((V4 + "-PAYLOAD", amz_date, scope, previous_signature, EMPTY_SHA256, digest))


def expected_signature(secret: str, creds: dict[str, Any]) -> str:
    """The signature the request should carry. Unauthorized for a version we do not take."""
    params = creds.get("params") or {}
    version = params.get("SignatureVersion")
    try:
        if version == "2":
            return signature_v2(secret, params, creds["verb"], creds["host"], creds["path"])
        if is_v4(creds):
            return signature_v4(
                secret, params, creds["verb"], creds["path"], creds.get("headers") or {}, creds["body_hash"]
            )
    except (KeyError, TypeError, AttributeError):
        raise Unauthorized("Invalid EC2 signature.") from None
    raise Unauthorized(f"Unsupported EC2 signature version: {version or 'unknown'}.")


def verify(secret: str, creds: dict[str, Any]) -> None:
    """Unauthorized unless ``creds['signature']`` is right, with or without the port in
    the host (COMPAT: some clients sign without it, so Keystone tries both)."""
    given = creds.get("signature")
    if not given:
        raise Unauthorized("EC2 signature not supplied.")
    if hmac.compare_digest(str(given), expected_signature(secret, creds)):
        return
    host = str(creds.get("host") or "")
    if ":" in host:
        bare = urllib.parse.urlsplit("//" + host).hostname or host
        if hmac.compare_digest(str(given), expected_signature(secret, {**creds, "host": bare})):
            return
    raise Unauthorized("Invalid EC2 signature.")
