"""The S3 front end's pure pieces, without the app: aws-chunked decoding fed in any split,
XML in and out, conditional requests, and which operation a request is."""

from __future__ import annotations

import pytest

from pocketstack.api.s3 import conditions, dispatch
from pocketstack.api.s3.body import AwsChunkedDecoder
from pocketstack.api.s3.errors import S3Error
from pocketstack.api.s3.handlers import buckets, complete, listing, multipart, objects
from pocketstack.api.s3.request import Target, target_of
from pocketstack.api.s3.xmlio import iso_date, parse, render

ENCODED = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"


@pytest.mark.parametrize("step", [1, 2, 7, len(ENCODED)])
def test_aws_chunked_in_any_split(step: int) -> None:
    decoder = AwsChunkedDecoder(None)
    out = b""
    for i in range(0, len(ENCODED), step):
        out += b"".join(decoder.feed(ENCODED[i : i + step]))
    assert out == b"hello world" and decoder.done
    assert decoder.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_aws_chunked_malformed() -> None:
    with pytest.raises(S3Error) as err:
        AwsChunkedDecoder(None).feed(b"zz\r\nhello\r\n")
    assert err.value.code == "IncompleteBody"
    with pytest.raises(S3Error):
        AwsChunkedDecoder(None).feed(b"5\r\nhelloXX")


def test_xml_round_trip_and_refusals() -> None:
    body = render("Result", [("Name", "a<b&c"), ("Flag", True), ("Skip", None), ("Item", [("Key", "k")])])
    root = parse(body, "Result")
    assert root.findtext("Name") == "a<b&c" and root.findtext("Flag") == "true"
    assert root.find("Skip") is None and root.findtext("Item/Key") == "k"
    with pytest.raises(ValueError):
        parse(b'<!DOCTYPE x [<!ENTITY e "boom">]><Result>&e;</Result>', "Result")
    with pytest.raises(ValueError):
        parse(b"<Other/>", "Result")
    assert iso_date(0.5) == "1970-01-01T00:00:00.500Z"


def test_conditions() -> None:
    def check(**headers: str | None) -> int | None:
        given = {
            k: headers.get(k)
            for k in ("if_match", "if_none_match", "if_modified_since", "if_unmodified_since")
        }
        return conditions.check('"abc"', 1_000_000_000.0, **given)

    assert check(if_match='"abc"') is None and check(if_match="*") is None
    assert check(if_match='"x"') == 412 and check(if_none_match='"abc"') == 304
    assert check(if_modified_since="Sun, 09 Sep 2001 01:46:40 GMT") == 304
    assert check(if_modified_since="Sat, 08 Sep 2001 01:46:40 GMT") is None
    assert check(if_unmodified_since="Sat, 08 Sep 2001 01:46:40 GMT") == 412
    # If-Match holding wins over If-Unmodified-Since failing (as S3 documents).
    assert check(if_match='"abc"', if_unmodified_since="Sat, 08 Sep 2001 01:46:40 GMT") is None


def test_targets() -> None:
    assert target_of("/") == Target(None, None)
    assert target_of("/b") == Target("b", None) and target_of("/b/") == Target("b", None)
    assert target_of("/b/dir/") == Target("b", "dir/") and target_of("/b/dir/").resource == "/b/dir/"


@pytest.mark.parametrize(
    ("method", "path", "query", "handler"),
    [
        ("GET", "/", {}, buckets.list_buckets),
        ("PUT", "/b", {}, buckets.create_bucket),
        ("GET", "/b", {}, listing.list_objects),
        ("GET", "/b", {"list-type": "2"}, listing.list_objects_v2),
        ("GET", "/b", {"uploads": ""}, multipart.list_multipart_uploads),
        ("POST", "/b/k", {"uploads": ""}, multipart.create_multipart_upload),
        ("POST", "/b/k", {"uploadId": "u"}, complete.complete_multipart_upload),
        ("PUT", "/b/k", {"uploadId": "u", "partNumber": "1"}, multipart.upload_part),
        ("DELETE", "/b/k", {"uploadId": "u"}, multipart.abort_multipart_upload),
        ("GET", "/b/k", {}, objects.get_object),
    ],
)
def test_dispatch(method: str, path: str, query: dict[str, str], handler: object) -> None:
    assert dispatch.handler_for(method, target_of(path), query, copying=False) is handler


@pytest.mark.parametrize(
    ("method", "path", "query", "operation"),
    [
        ("PUT", "/b", {"lifecycle": ""}, "PutBucketLifecycle"),
        ("GET", "/b/k", {"tagging": ""}, "GetObjectTagging"),
        ("PUT", "/b/k", {"acl": ""}, "PutObjectAcl"),
        ("GET", "/b", {"versions": ""}, "ListObjectVersions"),
        ("DELETE", "/b", {"cors": ""}, "DeleteBucketCors"),
    ],
)
def test_unserved_operations_are_named(method: str, path: str, query: dict[str, str], operation: str) -> None:
    with pytest.raises(S3Error) as err:
        dispatch.handler_for(method, target_of(path), query, copying=False)
    assert err.value.code == "NotImplemented" and err.value.status == 501 and operation in err.value.message
