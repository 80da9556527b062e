"""Which S3 operation a request is: its method, whether it names a bucket and a key, and its
sub-resource query parameters. What pocketstack does not serve is a 501 naming the operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from pocketstack.api.s3.errors import S3Error, not_implemented
from pocketstack.api.s3.handlers import buckets, complete, copy_delete, listing, multipart, objects
from pocketstack.api.s3.request import S3Request, Target

Handler = Callable[[S3Request], Awaitable[Response]]

# Sub-resources of a bucket or object S3 has and pocketstack does not serve, by the name of the
# feature (the operation is "<Method><Bucket|Object><Feature>").
UNSERVED = {
    "accelerate": "Accelerate",
    "analytics": "Analytics",
    "attributes": "Attributes",
    "cors": "Cors",
    "encryption": "Encryption",
    "intelligent-tiering": "IntelligentTiering",
    "inventory": "Inventory",
    "legal-hold": "LegalHold",
    "lifecycle": "Lifecycle",
    "logging": "Logging",
    "metrics": "Metrics",
    "notification": "Notification",
    "object-lock": "ObjectLock",
    "ownershipControls": "OwnershipControls",
    "policy": "Policy",
    "policyStatus": "PolicyStatus",
    "publicAccessBlock": "PublicAccessBlock",
    "replication": "Replication",
    "requestPayment": "RequestPayment",
    "restore": "Restore",
    "retention": "Retention",
    "select": "Select",
    "tagging": "Tagging",
    "torrent": "Torrent",
    "versions": "Versions",
    "website": "Website",
}
_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "POST": "Post", "HEAD": "Head"}


def _unserved(method: str, target: Target, query: dict[str, str]) -> str | None:
    for name, feature in UNSERVED.items():
        if name in query:
            if name == "versions":
                return "ListObjectVersions"
            kind = "Object" if target.key is not None else "Bucket"
            return f"{_VERBS.get(method, method.title())}{kind}{feature}"
    if "acl" in query and method != "GET":
        return "PutObjectAcl" if target.key is not None else "PutBucketAcl"
    if "versioning" in query and method != "GET":
        return "PutBucketVersioning"
    return None


def _service(method: str) -> Handler:
    if method == "GET":
        return buckets.list_buckets
    raise S3Error("MethodNotAllowed", Method=method, ResourceType="SERVICE")


def _bucket(method: str, query: dict[str, str]) -> Handler:
    if method == "GET":
        if "location" in query:
            return buckets.get_bucket_location
        if "acl" in query:
            return buckets.get_acl
        if "versioning" in query:
            return buckets.get_versioning
        if "uploads" in query:
            return multipart.list_multipart_uploads
        return listing.list_objects_v2 if query.get("list-type") == "2" else listing.list_objects
    handler = {
        "PUT": buckets.create_bucket,
        "HEAD": buckets.head_bucket,
        "DELETE": buckets.delete_bucket,
    }.get(method)
    if method == "POST" and "delete" in query:
        return copy_delete.delete_objects
    if handler is None:
        raise S3Error("MethodNotAllowed", Method=method, ResourceType="BUCKET")
    return handler


def _object(method: str, query: dict[str, str], copying: bool) -> Handler:
    upload = "uploadId" in query
    if method == "PUT":
        if upload:
            return multipart.upload_part
        return copy_delete.copy_object if copying else objects.put_object
    if method == "GET":
        if "acl" in query:
            return buckets.get_acl
        return multipart.list_parts if upload else objects.get_object
    if method == "HEAD":
        return objects.head_object
    if method == "DELETE":
        return multipart.abort_multipart_upload if upload else objects.delete_object
    if method == "POST":
        if "uploads" in query:
            return multipart.create_multipart_upload
        if upload:
            return complete.complete_multipart_upload
    raise S3Error("MethodNotAllowed", Method=method, ResourceType="OBJECT")


def handler_for(method: str, target: Target, query: dict[str, str], copying: bool) -> Handler:
    """The handler for the request; S3Error (NotImplemented, MethodNotAllowed) when none."""
    operation = _unserved(method, target, query)
    if operation is not None:
        raise not_implemented(operation)
    if target.bucket is None:
        return _service(method)
    if target.key is None:
        return _bucket(method, query)
    return _object(method, query, copying)
