"""AWS Signature Version 4 on S3 requests: what a request claims (an ``Authorization`` header or
a presigned ``X-Amz-*`` query), whether it is in time, and whether its signature holds. The
signing arithmetic itself is shared with EC2 tokens (``core/identity/ec2_signature.py``)."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pocketstack.api.s3.errors import S3Error
from pocketstack.core.identity.ec2_signature import (
    V4,
    s3_canonical_request,
    v4_sign,
    v4_signing_key,
    v4_string_to_sign,
)

UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING = (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER)
SKEW_SECONDS = 15 * 60
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

Headers = dict[str, list[str]]  # lower-case name -> values in the order sent


@dataclass(frozen=True)
class SignedRequest:
    """What a SigV4 request says about itself."""

    access_key: str
    amz_date: str  # 20240102T030405Z
    scope: str  # 20240102/<region>/s3/aws4_request
    signed_headers: str
    signature: str
    payload_hash: str  # what the canonical request carries (a hex sha256, or a keyword)
    presigned: bool = False
    expires: int | None = None

    @property
    def signing_parts(self) -> list[str]:
        return self.scope.split("/")


def _first(headers: Headers, name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _auth_fields(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in header[len(V4) :].split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name] = value.strip()
    return fields


def _from_header(header: str, headers: Headers) -> SignedRequest:
    if not header.startswith(V4 + " "):
        if header.startswith("AWS "):
            raise S3Error("InvalidRequest", "Signature Version 2 is not supported; use AWS4-HMAC-SHA256.")
        raise S3Error("AuthorizationHeaderMalformed", "Unsupported authorization type.")
    fields = _auth_fields(header)
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise S3Error("AuthorizationHeaderMalformed", f"The authorization header is missing {missing[0]}.")
    access, _, scope = fields["Credential"].partition("/")
    amz_date = _first(headers, "x-amz-date") or _date_header(headers)
    payload = _first(headers, "x-amz-content-sha256")
    if payload is None:
        raise S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
    if payload not in (UNSIGNED, *STREAMING) and not _HEX64.match(payload):
        raise S3Error(
            "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a sha256."
        )
    return SignedRequest(access, amz_date, scope, fields["SignedHeaders"], fields["Signature"], payload)


def _date_header(headers: Headers) -> str:
    text = _first(headers, "date")
    if text:
        try:
            return parsedate_to_datetime(text).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        except (TypeError, ValueError):
            pass
    raise S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")


def _from_query(query: dict[str, str]) -> SignedRequest:
    if query.get("X-Amz-Algorithm") != V4:
        raise S3Error("AuthorizationQueryParametersError", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    needed = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Expires")
    missing = [n for n in needed if not query.get(n)]
    if missing:
        raise S3Error(
            "AuthorizationQueryParametersError", f"Query-string authentication requires {missing[0]}."
        )
    try:
        expires = int(query["X-Amz-Expires"])
    except ValueError:
        raise S3Error("AuthorizationQueryParametersError", "X-Amz-Expires should be a number") from None
    if not 0 <= expires <= MAX_PRESIGN_SECONDS:
        raise S3Error(
            "AuthorizationQueryParametersError",
            "X-Amz-Expires must be non-negative and less than a week (604800 seconds)",
        )
    access, _, scope = query["X-Amz-Credential"].partition("/")
    payload = query.get("X-Amz-Content-Sha256") or UNSIGNED
    return SignedRequest(
        access,
        query["X-Amz-Date"],
        scope,
        query["X-Amz-SignedHeaders"],
        query["X-Amz-Signature"],
        payload,
        presigned=True,
        expires=expires,
    )


def signed_request(headers: Headers, query: dict[str, str]) -> SignedRequest | None:
    """What the request claims, or None when it is not signed at all. Raises S3Error for a
    malformed claim."""
    header = _first(headers, "authorization")
    if header is not None:
        return _from_header(header, headers)
    if "X-Amz-Credential" in query or "X-Amz-Algorithm" in query:
        return _from_query(query)
    if "AWSAccessKeyId" in query:
        raise S3Error("InvalidRequest", "Signature Version 2 is not supported; use AWS4-HMAC-SHA256.")
    return None


def _parse_amz_date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise S3Error(
            "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        ) from None


def check_time(req: SignedRequest, now: datetime | None = None) -> None:
    """A header-signed request must be within 15 minutes of now; a presigned one not expired."""
    now = now or datetime.now(UTC)
    when = _parse_amz_date(req.amz_date)
    parts = req.signing_parts
    if len(parts) != 4 or parts[3] != "aws4_request" or not req.access_key:
        code = "AuthorizationQueryParametersError" if req.presigned else "AuthorizationHeaderMalformed"
        raise S3Error(
            code, 'The credential is malformed; expecting "<key>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    if parts[0] != req.amz_date[:8]:
        code = "AuthorizationQueryParametersError" if req.presigned else "AuthorizationHeaderMalformed"
        raise S3Error(
            code,
            f'Invalid credential date "{parts[0]}". '
            f'This date is not the same as X-Amz-Date: "{req.amz_date[:8]}".',
        )
    age = (now - when).total_seconds()
    if req.presigned:
        if age < -SKEW_SECONDS:
            raise S3Error("AccessDenied", "Request is not valid yet")
        if age > (req.expires or 0):
            raise S3Error(
                "AccessDenied",
                "Request has expired",
                Expires=_expiry(when, req.expires or 0),
                ServerTime=_iso(now),
            )
    elif abs(age) > SKEW_SECONDS:
        raise S3Error(
            "RequestTimeTooSkewed",
            RequestTime=req.amz_date,
            ServerTime=_iso(now),
            MaxAllowedSkewMilliseconds="900000",
        )


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _expiry(when: datetime, seconds: int) -> str:
    return _iso(datetime.fromtimestamp(when.timestamp() + seconds, UTC))


def signing_key(req: SignedRequest, secret: str) -> bytes:
    date, region, service, _ = req.signing_parts
    return v4_signing_key(secret, date, region, service)


def check_signature(
    req: SignedRequest,
    key: bytes,
    method: str,
    raw_paths: list[str],
    query: list[tuple[str, str]],
    headers: Headers,
) -> None:
    """SignatureDoesNotMatch unless the signature is right for one of ``raw_paths`` (COMPAT:
    clients differ in how they encode a key; the path as sent comes first)."""
    signed = req.signed_headers.lower()
    if "host" not in signed.split(";"):
        raise S3Error("AccessDenied", "The host header must be signed.")
    pairs = [(k, v) for k, v in query if not (req.presigned and k == "X-Amz-Signature")]
    for path in dict.fromkeys(raw_paths):
        canonical = s3_canonical_request(method, path, pairs, headers, signed, req.payload_hash)
        to_sign = v4_string_to_sign(req.amz_date, req.scope, canonical)
        if hmac.compare_digest(v4_sign(key, to_sign), req.signature):
            return
    raise S3Error("SignatureDoesNotMatch", AWSAccessKeyId=req.access_key)
