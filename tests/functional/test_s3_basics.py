"""S3 over the Swift stack: buckets, objects, listings, signatures (signed by botocore)."""

from __future__ import annotations

import base64
import hashlib

from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers
from tests.functional.test_s3_support import NS, S3, error_code, s3, texts, xml

__all__ = ["s3"]


def test_bucket_lifecycle(s3: S3) -> None:
    resp = s3.request("PUT", "/photos")
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-amz-request-id"]
    assert error_code(s3.request("PUT", "/photos")) == "BucketAlreadyOwnedByYou"
    assert s3.request("HEAD", "/photos").status_code == 200
    listed = xml(s3.request("GET", "/"))
    assert texts(listed, "Name") == ["photos"]
    assert texts(listed, "ID") == [s3.project_id]
    location = s3.request("GET", "/photos", query="location")
    assert location.status_code == 200 and b"RegionOne" in location.content
    s3.request("PUT", "/photos/a.txt", body=b"x")
    busy = s3.request("DELETE", "/photos")
    assert busy.status_code == 409 and error_code(busy) == "BucketNotEmpty"
    assert s3.request("DELETE", "/photos/a.txt").status_code == 204
    assert s3.request("DELETE", "/photos").status_code == 204
    missing = s3.request("GET", "/photos")
    assert missing.status_code == 404 and error_code(missing) == "NoSuchBucket"
    assert s3.request("HEAD", "/photos").status_code == 404
    assert error_code(s3.request("PUT", "/Bad_Name")) == "InvalidBucketName"


def test_put_get_object_with_metadata(s3: S3, client: TestClient, demo_token: str) -> None:
    s3.request("PUT", "/docs")
    data = b"hello world" * 100
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    headers = {"Content-Type": "text/plain", "x-amz-meta-color": "blue", "Content-MD5": md5}
    put = s3.request("PUT", "/docs/dir/hello.txt", body=data, headers=headers)
    assert put.status_code == 200, put.text
    assert put.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.request("GET", "/docs/dir/hello.txt")
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "text/plain"
    assert got.headers["x-amz-meta-color"] == "blue"
    assert got.headers["etag"] == put.headers["etag"]
    assert got.headers["last-modified"].endswith("GMT")
    head = s3.request("HEAD", "/docs/dir/hello.txt")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(data))
    ranged = s3.request("GET", "/docs/dir/hello.txt", headers={"Range": "bytes=0-4"})
    assert ranged.status_code == 206 and ranged.content == b"hello"
    swift = client.get(
        f"/object-store/v1/AUTH_{s3.project_id}/docs/dir/hello.txt", headers=auth_headers(demo_token)
    )
    assert swift.status_code == 200 and swift.content == data
    assert swift.headers["x-object-meta-color"] == "blue"
    override = s3.request("GET", "/docs/dir/hello.txt", query={"response-content-type": "application/x-test"})
    assert override.headers["content-type"] == "application/x-test"


def test_conditional_get(s3: S3) -> None:
    s3.request("PUT", "/cond")
    etag = s3.request("PUT", "/cond/k", body=b"data").headers["etag"]
    assert s3.request("GET", "/cond/k", headers={"If-None-Match": etag}).status_code == 304
    failed = s3.request("GET", "/cond/k", headers={"If-Match": '"nope"'})
    assert failed.status_code == 412 and error_code(failed) == "PreconditionFailed"
    assert s3.request("GET", "/cond/k", headers={"If-Match": etag}).status_code == 200
    exists = s3.request("PUT", "/cond/k", body=b"new", headers={"If-None-Match": "*"})
    assert exists.status_code == 412 and error_code(exists) == "PreconditionFailed"
    assert s3.request("PUT", "/cond/k2", body=b"new", headers={"If-None-Match": "*"}).status_code == 200


def test_bad_digest_and_missing_key(s3: S3) -> None:
    s3.request("PUT", "/bkt")
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    resp = s3.request("PUT", "/bkt/k", body=b"data", headers={"Content-MD5": wrong})
    assert resp.status_code == 400 and error_code(resp) == "BadDigest"
    missing = s3.request("GET", "/bkt/k")
    assert missing.status_code == 404 and error_code(missing) == "NoSuchKey"
    root = xml(missing)
    assert root.findtext("Resource") == "/bkt/k" and root.findtext("RequestId")
    assert s3.request("DELETE", "/bkt/k").status_code == 204
    assert error_code(s3.request("PUT", "/nobucket/k", body=b"x")) == "NoSuchBucket"


def test_sha256_mismatch_stores_nothing(s3: S3) -> None:
    s3.request("PUT", "/bkt")
    request = s3.signed("PUT", "/bkt/k", body=b"the signed body")
    resp = s3.client.request("PUT", request.url, content=b"the other body!", headers=dict(request.headers))
    assert resp.status_code == 400 and error_code(resp) == "XAmzContentSHA256Mismatch"
    assert s3.request("GET", "/bkt/k").status_code == 404


def test_signatures(s3: S3) -> None:
    s3.request("PUT", "/bkt")
    bad = s3.request("GET", "/bkt", secret="wrong")
    assert bad.status_code == 403 and error_code(bad) == "SignatureDoesNotMatch"
    unknown = S3(s3.client, "nope", s3.secret, s3.project_id).request("GET", "/")
    assert unknown.status_code == 403 and error_code(unknown) == "InvalidAccessKeyId"
    anonymous = s3.client.get("/s3/bkt")
    assert anonymous.status_code == 403 and error_code(anonymous) == "AccessDenied"


def test_presigned_get(s3: S3) -> None:
    s3.request("PUT", "/bkt")
    s3.request("PUT", "/bkt/a key+plus", body=b"shared")
    url = s3.presign("GET", "/bkt/a key+plus")
    resp = s3.client.get(url)
    assert resp.status_code == 200 and resp.content == b"shared"


def test_listing_v1_and_v2(s3: S3) -> None:
    s3.request("PUT", "/lst")
    for name in ("a/1", "a/2", "b/1", "c", "d+e f"):
        s3.request("PUT", f"/lst/{name}", body=b"x")
    v2 = xml(s3.request("GET", "/lst", query={"list-type": "2", "delimiter": "/"}))
    assert texts(v2, "Key") == ["c", "d+e f"]
    assert texts(v2, "Prefix")[1:] == ["a/", "b/"]
    assert v2.findtext(NS + "KeyCount") == "4"
    prefixed = xml(s3.request("GET", "/lst", query={"list-type": "2", "prefix": "a/"}))
    assert texts(prefixed, "Key") == ["a/1", "a/2"]
    pages, token = [], None
    while True:
        query = {"list-type": "2", "max-keys": "2", "delimiter": "/"}
        if token:
            query["continuation-token"] = token
        page = xml(s3.request("GET", "/lst", query=query))
        pages.append(texts(page, "Key") + texts(page, "Prefix")[1:])
        token = page.findtext(NS + "NextContinuationToken")
        if page.findtext(NS + "IsTruncated") != "true":
            break
    assert pages == [["a/", "b/"], ["c", "d+e f"]]
    encoded = xml(s3.request("GET", "/lst", query={"list-type": "2", "encoding-type": "url", "prefix": "d"}))
    assert texts(encoded, "Key") == ["d%2Be%20f"]
    v1 = xml(s3.request("GET", "/lst", query={"max-keys": "3"}))
    assert texts(v1, "Key") == ["a/1", "a/2", "b/1"] and v1.findtext(NS + "IsTruncated") == "true"
    after = xml(s3.request("GET", "/lst", query={"marker": "b/1"}))
    assert texts(after, "Key") == ["c", "d+e f"]
    start = xml(s3.request("GET", "/lst", query={"list-type": "2", "start-after": "c"}))
    assert texts(start, "Key") == ["d+e f"]


def test_copy_and_delete_many(s3: S3) -> None:
    s3.request("PUT", "/bkt")
    s3.request("PUT", "/bkt/src", body=b"source", headers={"x-amz-meta-a": "1", "Content-Type": "text/x"})
    copied = s3.request("PUT", "/bkt/dst", headers={"x-amz-copy-source": "/bkt/src"})
    assert copied.status_code == 200, copied.text
    assert texts(xml(copied), "ETag")
    got = s3.request("GET", "/bkt/dst")
    assert got.content == b"source" and got.headers["x-amz-meta-a"] == "1"
    replaced = s3.request(
        "PUT",
        "/bkt/dst2",
        headers={"x-amz-copy-source": "bkt/src", "x-amz-metadata-directive": "REPLACE", "x-amz-meta-b": "2"},
    )
    assert replaced.status_code == 200
    head = s3.request("HEAD", "/bkt/dst2")
    assert head.headers.get("x-amz-meta-b") == "2" and "x-amz-meta-a" not in head.headers
    self_copy = s3.request("PUT", "/bkt/src", headers={"x-amz-copy-source": "bkt/src"})
    assert error_code(self_copy) == "InvalidRequest"
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in ("src", "dst", "none"))
    body = f"<Delete>{objects}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    deleted = s3.request("POST", "/bkt", query="delete", body=body, headers={"Content-MD5": md5})
    assert deleted.status_code == 200, deleted.text
    assert sorted(texts(xml(deleted), "Key")) == ["dst", "none", "src"]
    assert texts(xml(s3.request("GET", "/bkt")), "Key") == ["dst2"]


def test_not_implemented(s3: S3) -> None:
    s3.request("PUT", "/bkt")
    resp = s3.request("GET", "/bkt", query="policy")
    assert resp.status_code == 501 and error_code(resp) == "NotImplemented"
    assert "GetBucketPolicy" in xml(resp).findtext("Message")
    assert s3.request("PUT", "/bkt", query="acl").status_code == 501
    assert s3.request("GET", "/bkt", query="acl").status_code == 200
    assert s3.request("PUT", "/bkt/k", body=b"x", headers={"x-amz-acl": "private"}).status_code == 200
    public = s3.request("PUT", "/bkt/k", body=b"x", headers={"x-amz-acl": "public-read"})
    assert public.status_code == 501 and "public-read" in xml(public).findtext("Message")


def test_keys_with_any_characters(s3: S3) -> None:
    s3.request("PUT", "/odd")
    names = ["sp ace/ü+%&=?.txt", "dir/", "a//b", "~tilde*(!)'"]
    for name in names:
        put = s3.request("PUT", f"/odd/{name}", body=name.encode())
        assert put.status_code == 200, (name, put.text)
        assert s3.request("GET", f"/odd/{name}").content == name.encode()
    listed = xml(s3.request("GET", "/odd", query={"list-type": "2"}))
    assert texts(listed, "Key") == sorted(names)
    presigned = s3.client.get(s3.presign("GET", f"/odd/{names[0]}"))
    assert presigned.status_code == 200 and presigned.content == names[0].encode()
