"""S3 request signing: payload modes (hex sha256, UNSIGNED-PAYLOAD, aws-chunked signed and
unsigned with trailers), presigned expiry and clock skew. The seed signatures are botocore's;
the chunk signatures are computed here from the SigV4 documentation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pocketstack.api.s3 import sigv4
from tests.functional.test_s3_support import REGION, S3, error_code, s3

__all__ = ["s3"]


class _Later(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
        return datetime.now(tz) + timedelta(hours=1)


def _signed_with_payload(s3: S3, path: str, payload: str, headers: dict[str, str]) -> AWSRequest:
    class Auth(S3SigV4Auth):
        def payload(self, request: AWSRequest) -> str:  # type: ignore[override]
            return payload

    request = AWSRequest("PUT", s3.url(path), data=b"", headers=headers)
    Auth(Credentials(s3.access, s3.secret), "s3", REGION).add_auth(request)
    return request


def _key(secret: str, date: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _chunked(request: AWSRequest, secret: str, chunks: list[bytes], tamper: bool = False) -> bytes:
    amz_date = request.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    previous = request.headers["Authorization"].rpartition("Signature=")[2]
    key = _key(secret, amz_date[:8])
    out = b""
    for chunk in [*chunks, b""]:
        text = "\n".join(
            (
                "AWS4-HMAC-SHA256-PAYLOAD",
                amz_date,
                scope,
                previous,
                hashlib.sha256(b"").hexdigest(),
                hashlib.sha256(chunk).hexdigest(),
            )
        )
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        sent = chunk.replace(b"a", b"b") if tamper and chunk else chunk
        out += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    return out


def _send(s3: S3, request: AWSRequest, body: bytes) -> object:
    return s3.client.request("PUT", request.url, content=body, headers=dict(request.headers))


def test_streaming_signed_payload(s3: S3) -> None:
    s3.request("PUT", "/sig")
    chunks = [b"a" * 70000, b"b" * 1000]
    data = b"".join(chunks)
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    request = _signed_with_payload(s3, "/sig/streamed", sigv4.STREAMING_SIGNED, headers)
    resp = _send(s3, request, _chunked(request, s3.secret, chunks))
    assert resp.status_code == 200, resp.text
    got = s3.request("GET", "/sig/streamed")
    assert got.content == data and "content-encoding" not in got.headers
    request = _signed_with_payload(s3, "/sig/tampered", sigv4.STREAMING_SIGNED, headers)
    bad = _send(s3, request, _chunked(request, s3.secret, chunks, tamper=True))
    assert bad.status_code == 403 and error_code(bad) == "SignatureDoesNotMatch"
    assert s3.request("GET", "/sig/tampered").status_code == 404


def test_unsigned_payload_and_trailer(s3: S3) -> None:
    s3.request("PUT", "/sig")
    plain = _signed_with_payload(s3, "/sig/unsigned", sigv4.UNSIGNED, {})
    assert _send(s3, plain, b"anything").status_code == 200
    assert s3.request("GET", "/sig/unsigned").content == b"anything"
    data = b"trailing data"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = f"{len(data):x}\r\n".encode() + data + f"\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32",
    }
    trailer = _signed_with_payload(s3, "/sig/trailer", sigv4.STREAMING_UNSIGNED_TRAILER, headers)
    resp = _send(s3, trailer, body)
    assert resp.status_code == 200, resp.text
    assert s3.request("GET", "/sig/trailer").content == data
    wrong = body.replace(crc.encode(), base64.b64encode(b"\0\0\0\0"))
    trailer = _signed_with_payload(s3, "/sig/wrong", sigv4.STREAMING_UNSIGNED_TRAILER, headers)
    resp = _send(s3, trailer, wrong)
    assert resp.status_code == 400 and error_code(resp) == "BadDigest"
    assert s3.request("GET", "/sig/wrong").status_code == 404


def test_checksum_header(s3: S3) -> None:
    s3.request("PUT", "/sig")
    good = base64.b64encode(hashlib.sha256(b"data").digest()).decode()
    assert (
        s3.request("PUT", "/sig/k", body=b"data", headers={"x-amz-checksum-sha256": good}).status_code == 200
    )
    bad = s3.request("PUT", "/sig/k2", body=b"data", headers={"x-amz-checksum-crc32": "AAAAAA=="})
    assert bad.status_code == 400 and error_code(bad) == "BadDigest"


def test_presigned_expiry_and_skew(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    s3.request("PUT", "/sig")
    s3.request("PUT", "/sig/k", body=b"v")
    url = s3.presign("GET", "/sig/k", expires=60)
    request = s3.signed("GET", "/sig/k")
    monkeypatch.setattr(sigv4, "datetime", _Later)
    expired = s3.client.get(url)
    assert expired.status_code == 403 and error_code(expired) == "AccessDenied"
    assert b"Request has expired" in expired.content
    skewed = s3.send(request)
    assert skewed.status_code == 403 and error_code(skewed) == "RequestTimeTooSkewed"
    monkeypatch.setattr(sigv4, "datetime", datetime)
    assert s3.client.get(url).status_code == 200
    assert datetime.now(UTC)  # the module's clock is back


def test_presigned_put_and_bad_signature(s3: S3) -> None:
    s3.request("PUT", "/sig")
    url = s3.presign("PUT", "/sig/up")
    assert s3.client.put(url, content=b"by url").status_code == 200
    assert s3.request("GET", "/sig/up").content == b"by url"
    forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert error_code(s3.client.get(forged)) == "SignatureDoesNotMatch"


def test_credential_and_user_changes_apply_at_once(s3: S3, admin_token: str, demo_token: str) -> None:
    assert s3.request("GET", "/").status_code == 200
    users = s3.client.get("/identity/v3/users?name=demo", headers={"X-Auth-Token": admin_token}).json()[
        "users"
    ]
    user_id = users[0]["id"]
    patch = {"user": {"enabled": False}}
    assert s3.client.patch(
        f"/identity/v3/users/{user_id}", json=patch, headers={"X-Auth-Token": admin_token}
    ).is_success
    disabled = s3.request("GET", "/")
    assert disabled.status_code == 403 and error_code(disabled) == "AccessDenied"
    patch = {"user": {"enabled": True}}
    assert s3.client.patch(
        f"/identity/v3/users/{user_id}", json=patch, headers={"X-Auth-Token": admin_token}
    ).is_success
    assert s3.request("GET", "/").status_code == 200
    path = f"/identity/v3/users/{user_id}/credentials/OS-EC2/{s3.access}"
    assert s3.client.delete(path, headers={"X-Auth-Token": admin_token}).status_code == 204
    assert error_code(s3.request("GET", "/")) == "InvalidAccessKeyId"
