"""S3 multipart uploads over Swift: parts in ``<bucket>+segments``, completed as an SLO."""

from __future__ import annotations

import hashlib
import os

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.test_s3_support import NS, S3, error_code, s3, texts, xml

__all__ = ["s3"]
MIB = 1024 * 1024


def _create(s3: S3, key: str, headers: dict[str, str] | None = None) -> str:
    resp = s3.request("POST", f"/upl/{key}", query="uploads", headers=headers)
    assert resp.status_code == 200, resp.text
    return xml(resp).findtext(NS + "UploadId") or ""


def _part(s3: S3, key: str, upload_id: str, number: int, data: bytes) -> str:
    query = {"partNumber": str(number), "uploadId": upload_id}
    resp = s3.request("PUT", f"/upl/{key}", query=query, body=data)
    assert resp.status_code == 200, resp.text
    return resp.headers["etag"]


def _complete_body(parts: list[tuple[int, str]]) -> bytes:
    items = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in parts)
    return f"<CompleteMultipartUpload>{items}</CompleteMultipartUpload>".encode()


def test_multipart_upload(s3: S3, client: TestClient, demo_token: str) -> None:
    s3.request("PUT", "/upl")
    upload_id = _create(s3, "big/file.bin", {"Content-Type": "application/x-big", "x-amz-meta-k": "v"})
    first, second = os.urandom(5 * MIB), os.urandom(MIB + 7)
    etags = [_part(s3, "big/file.bin", upload_id, 1, first), _part(s3, "big/file.bin", upload_id, 2, second)]
    uploads = xml(s3.request("GET", "/upl", query="uploads"))
    assert texts(uploads, "UploadId") == [upload_id] and texts(uploads, "Key") == ["big/file.bin"]
    parts = xml(s3.request("GET", "/upl/big/file.bin", query={"uploadId": upload_id}))
    assert texts(parts, "PartNumber") == ["1", "2"] and texts(parts, "ETag") == etags
    assert texts(parts, "Size") == [str(5 * MIB), str(MIB + 7)]
    body = _complete_body([(1, etags[0]), (2, etags[1])])
    done = s3.request("POST", "/upl/big/file.bin", query={"uploadId": upload_id}, body=body)
    assert done.status_code == 200, done.text
    digests = b"".join(bytes.fromhex(e.strip('"')) for e in etags)
    expected = f'"{hashlib.md5(digests).hexdigest()}-2"'
    assert texts(xml(done), "ETag") == [expected]
    got = s3.request("GET", "/upl/big/file.bin")
    assert got.status_code == 200 and got.content == first + second
    assert got.headers["etag"] == expected
    assert got.headers["content-type"] == "application/x-big" and got.headers["x-amz-meta-k"] == "v"
    head = s3.request("HEAD", "/upl/big/file.bin")
    assert (
        head.headers["content-length"] == str(len(first) + len(second)) and head.headers["etag"] == expected
    )
    ranged = s3.request("GET", "/upl/big/file.bin", headers={"Range": f"bytes={5 * MIB - 2}-{5 * MIB + 1}"})
    assert ranged.status_code == 206 and ranged.content == first[-2:] + second[:2]
    assert texts(xml(s3.request("GET", "/upl", query="uploads")), "UploadId") == []
    assert texts(xml(s3.request("GET", "/upl", query={"list-type": "2"})), "ETag") == [expected]
    swift = client.get(
        f"/object-store/v1/AUTH_{s3.project_id}/upl/big/file.bin", headers=auth_headers(demo_token)
    )
    assert swift.status_code == 200 and swift.content == first + second
    listed = xml(s3.request("GET", "/", query=""))
    assert texts(listed, "Name") == ["upl"]  # the segments container is hidden
    assert error_code(s3.request("GET", "/upl+segments")) == "NoSuchBucket"
    assert s3.request("DELETE", "/upl/big/file.bin").status_code == 204
    segments = client.get(
        f"/object-store/v1/AUTH_{s3.project_id}/upl+segments?format=json", headers=auth_headers(demo_token)
    )
    assert segments.status_code in (200, 204) and (segments.status_code == 204 or segments.json() == [])


def test_multipart_errors(s3: S3) -> None:
    s3.request("PUT", "/upl")
    upload_id = _create(s3, "k")
    small = [_part(s3, "k", upload_id, 1, b"a" * 10), _part(s3, "k", upload_id, 2, b"b")]
    query = {"uploadId": upload_id}
    too_small = s3.request("POST", "/upl/k", query=query, body=_complete_body([(1, small[0]), (2, small[1])]))
    assert too_small.status_code == 400 and error_code(too_small) == "EntityTooSmall"
    order = s3.request("POST", "/upl/k", query=query, body=_complete_body([(2, small[1]), (1, small[0])]))
    assert error_code(order) == "InvalidPartOrder"
    wrong = s3.request("POST", "/upl/k", query=query, body=_complete_body([(1, '"00"')]))
    assert error_code(wrong) == "InvalidPart"
    assert error_code(s3.request("POST", "/upl/k", query=query, body=b"<oops")) == "MalformedXML"
    assert s3.request("DELETE", "/upl/k", query=query).status_code == 204
    gone = s3.request("GET", "/upl/k", query=query)
    assert gone.status_code == 404 and error_code(gone) == "NoSuchUpload"
    assert error_code(
        s3.request("PUT", "/upl/k", query={"partNumber": "1", "uploadId": "f" * 32}, body=b"x")
    ) == ("NoSuchUpload")


def test_single_part_upload_and_part_copy(s3: S3) -> None:
    s3.request("PUT", "/upl")
    s3.request("PUT", "/upl/source", body=b"0123456789")
    upload_id = _create(s3, "copy")
    query = {"partNumber": "1", "uploadId": upload_id}
    copied = s3.request(
        "PUT",
        "/upl/copy",
        query=query,
        headers={"x-amz-copy-source": "/upl/source", "x-amz-copy-source-range": "bytes=2-5"},
    )
    assert copied.status_code == 200, copied.text
    etag = texts(xml(copied), "ETag")[0]
    done = s3.request("POST", "/upl/copy", query={"uploadId": upload_id}, body=_complete_body([(1, etag)]))
    assert done.status_code == 200, done.text
    assert s3.request("GET", "/upl/copy").content == b"2345"


def test_copy_of_a_multipart_object_stands_alone(s3: S3) -> None:
    s3.request("PUT", "/upl")
    upload_id = _create(s3, "whole")
    first, second = os.urandom(5 * MIB), b"tail"
    etags = [_part(s3, "whole", upload_id, 1, first), _part(s3, "whole", upload_id, 2, second)]
    body = _complete_body([(1, etags[0]), (2, etags[1])])
    assert s3.request("POST", "/upl/whole", query={"uploadId": upload_id}, body=body).status_code == 200
    copied = s3.request("PUT", "/upl/copy", headers={"x-amz-copy-source": "/upl/whole"})
    assert copied.status_code == 200, copied.text
    assert s3.request("DELETE", "/upl/whole").status_code == 204
    got = s3.request("GET", "/upl/copy")
    assert got.status_code == 200 and got.content == first + second
    assert got.headers["etag"] == f'"{hashlib.md5(first + second).hexdigest()}"'


def test_empty_parts(s3: S3) -> None:
    s3.request("PUT", "/upl")
    upload_id = _create(s3, "empty")
    etag = _part(s3, "empty", upload_id, 1, b"")
    done = s3.request("POST", "/upl/empty", query={"uploadId": upload_id}, body=_complete_body([(1, etag)]))
    assert done.status_code == 200, done.text
    got = s3.request("GET", "/upl/empty")
    assert got.status_code == 200 and got.content == b"" and got.headers["etag"].endswith('-1"')
    upload_id = _create(s3, "tail")
    first = os.urandom(5 * MIB)
    etags = [_part(s3, "tail", upload_id, 1, first), _part(s3, "tail", upload_id, 2, b"")]
    body = _complete_body([(1, etags[0]), (2, etags[1])])
    assert s3.request("POST", "/upl/tail", query={"uploadId": upload_id}, body=body).status_code == 200
    assert s3.request("GET", "/upl/tail").content == first
