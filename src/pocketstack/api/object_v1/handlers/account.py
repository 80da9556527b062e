"""``/v1/AUTH_<project>``: HEAD and GET (headers, the container listing), POST (metadata,
temp URL keys and, for a reseller admin, the quota). COMPAT: PUT and DELETE of an account are
a 405, as Swift without ``allow_account_management``."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.object_v1 import limits
from pocketstack.api.object_v1.access import Op, authorize
from pocketstack.api.object_v1.errors import SwiftError
from pocketstack.api.object_v1.headers import meta_changes, meta_headers, timestamp
from pocketstack.api.object_v1.listing import list_query, listing_media, render_listing
from pocketstack.api.object_v1.request import SwiftRequest
from pocketstack.api.object_v1.responses import body_response, head_response, status_response
from pocketstack.core.objects.model import AccountInfo
from pocketstack.core.objects.policies import ACCOUNT_QUOTA, account_target

QUOTA_KEYS = ("quota-bytes",)


def account_headers(info: AccountInfo, owner: bool) -> dict[str, str]:
    headers = {
        "X-Account-Container-Count": str(info.container_count),
        "X-Account-Object-Count": str(info.object_count),
        "X-Account-Bytes-Used": str(info.bytes_used),
        "X-Timestamp": timestamp(info.created_at),
        "X-Put-Timestamp": timestamp(info.created_at),
        f"X-Account-Storage-Policy-{limits.STORAGE_POLICY}-Container-Count": str(info.container_count),
        f"X-Account-Storage-Policy-{limits.STORAGE_POLICY}-Object-Count": str(info.object_count),
        f"X-Account-Storage-Policy-{limits.STORAGE_POLICY}-Bytes-Used": str(info.bytes_used),
        "Accept-Ranges": "bytes",
        **meta_headers("account", info.meta, owner),
    }
    if info.quota_bytes is not None:
        headers["X-Account-Meta-Quota-Bytes"] = str(info.quota_bytes)
    return headers


async def head_account(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.READ)
    media = listing_media(sreq.query, sreq.headers)
    info = await sreq.call(sreq.objects.account, sreq.project_id)
    return head_response(204, account_headers(info, sreq.owner or sreq.internal), media)


async def get_account(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.READ)
    media = listing_media(sreq.query, sreq.headers)
    query = list_query(sreq.query, limits.ACCOUNT_LISTING_LIMIT)
    info = await sreq.call(sreq.objects.account, sreq.project_id)
    items = await sreq.call(sreq.objects.list_containers, sreq.project_id, query)
    headers = account_headers(info, sreq.owner or sreq.internal)
    if not items and media == "text/plain":
        return head_response(204, headers, media)  # COMPAT: an empty plain listing is a 204
    return body_response(200, render_listing("account", sreq.path.account, items, media), headers, media)


def _quota(sreq: SwiftRequest) -> int | None | str:
    """The new quota when the request sets or removes one, else "keep". COMPAT: as Swift's
    account_quotas, only a reseller admin may; anyone else is refused (403)."""
    headers = sreq.headers
    value = headers.get("x-account-meta-quota-bytes")
    removed = "x-remove-account-meta-quota-bytes" in headers
    if value is None and not removed:
        return "keep"
    ctx = sreq.caller.ctx
    if ctx is None or not sreq.cloud.policy.check(ACCOUNT_QUOTA, ctx, account_target(sreq.project_id)):
        raise SwiftError(403)
    if removed or not value or not value.strip():
        return None
    if not value.strip().lstrip("-").isdigit() or int(value) < 0:
        raise SwiftError(400)
    return int(value)


async def post_account(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    quota = _quota(sreq)
    set_meta, remove = meta_changes(sreq.headers, "account", skip=QUOTA_KEYS)
    await sreq.call(sreq.objects.update_account, sreq.project_id, set_meta, remove, quota_bytes=quota)
    return status_response(204)


async def not_allowed(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    raise SwiftError(405, headers={"Allow": "HEAD, GET, POST"})


HANDLERS = {
    "HEAD": head_account,
    "GET": get_account,
    "POST": post_account,
    "PUT": not_allowed,
    "DELETE": not_allowed,
}
