"""docs/object-storage.md's tables list exactly what is served: the Swift routes and their
methods, and the S3 operations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pocketstack.api.object_v1.routes import TABLES
from pocketstack.api.s3.dispatch import handler_for
from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.request import Target

DOC = (Path(__file__).resolve().parents[2] / "docs" / "object-storage.md").read_text()
METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE", "COPY"}


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def _swift_rows() -> dict[str, set[str]]:
    rows = {}
    for line in _section("## The Swift API").splitlines():
        match = re.match(r"\| `([^`]+)` \| (.*) \|$", line)
        if match:
            path = match.group(1).replace("AUTH_{project_id}", "{account}")
            rows[path] = {word for word in re.findall(r"[A-Z]+", match.group(2)) if word in METHODS}
    return rows


def test_the_swift_route_table_is_the_served_one() -> None:
    documented = _swift_rows()
    served = {
        template: {m for m, h in handlers.items() if m != "OPTIONS" and h.__name__ != "not_allowed"}
        for template, handlers in TABLES.values()
    }
    for template, methods in documented.items():
        assert template in served, f"{template} is documented but not served"
        assert methods == served[template], template
    undocumented = set(served) - set(documented)
    assert undocumented == set(), "served but not documented"


# Each S3 operation as a request: (method, bucket, key, query, a copy source?).
S3_REQUESTS = {
    "ListBuckets": ("GET", None, None, {}, False),
    "CreateBucket": ("PUT", "b", None, {}, False),
    "HeadBucket": ("HEAD", "b", None, {}, False),
    "DeleteBucket": ("DELETE", "b", None, {}, False),
    "GetBucketLocation": ("GET", "b", None, {"location": ""}, False),
    "ListObjects": ("GET", "b", None, {}, False),
    "ListObjectsV2": ("GET", "b", None, {"list-type": "2"}, False),
    "DeleteObjects": ("POST", "b", None, {"delete": ""}, False),
    "ListMultipartUploads": ("GET", "b", None, {"uploads": ""}, False),
    "GetBucketAcl": ("GET", "b", None, {"acl": ""}, False),
    "GetBucketVersioning": ("GET", "b", None, {"versioning": ""}, False),
    "PutObject": ("PUT", "b", "k", {}, False),
    "GetObject": ("GET", "b", "k", {}, False),
    "HeadObject": ("HEAD", "b", "k", {}, False),
    "DeleteObject": ("DELETE", "b", "k", {}, False),
    "CopyObject": ("PUT", "b", "k", {}, True),
    "GetObjectAcl": ("GET", "b", "k", {"acl": ""}, False),
    "CreateMultipartUpload": ("POST", "b", "k", {"uploads": ""}, False),
    "UploadPart": ("PUT", "b", "k", {"uploadId": "u", "partNumber": "1"}, False),
    "UploadPartCopy": ("PUT", "b", "k", {"uploadId": "u", "partNumber": "1"}, True),
    "ListParts": ("GET", "b", "k", {"uploadId": "u"}, False),
    "CompleteMultipartUpload": ("POST", "b", "k", {"uploadId": "u"}, False),
    "AbortMultipartUpload": ("DELETE", "b", "k", {"uploadId": "u"}, False),
}


def _s3_documented() -> set[str]:
    table = _section("**Operations served.**").split("\n\n")[1]
    names = set()
    for line in table.splitlines():
        cells = line.strip("|").split("|")
        if len(cells) == 2:
            # The operations are the first word of each comma-separated item, outside brackets.
            text = re.sub(r"\([^)]*\)", "", cells[1])
            names |= {m for m in re.findall(r"\b[A-Z][a-z]+[A-Z][A-Za-z0-9]*\b", text)}
    return names


def test_the_s3_operations_table_is_the_served_one() -> None:
    assert _s3_documented() == set(S3_REQUESTS)


@pytest.mark.parametrize("operation", sorted(S3_REQUESTS))
def test_each_documented_s3_operation_has_a_handler(operation: str) -> None:
    method, bucket, key, query, copying = S3_REQUESTS[operation]
    assert callable(handler_for(method, Target(bucket, key), query, copying))


@pytest.mark.parametrize(
    ("method", "query", "operation"),
    [("PUT", {"policy": ""}, "PutBucketPolicy"), ("PUT", {"versioning": ""}, "PutBucketVersioning")],
)
def test_an_unserved_s3_operation_is_not_implemented(method: str, query: dict, operation: str) -> None:
    with pytest.raises(S3Error) as raised:
        handler_for(method, Target("b", None), query, False)
    assert raised.value.code == "NotImplemented" and operation in str(raised.value)
