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
    if info.quota_count is not None:
        headers["X-Account-Quota-Count"] = str(info.quota_count)
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


# COMPAT: Swift's account_quotas (2.34+) takes X-Account-Quota-Bytes and -Count; the older
# X-Account-Meta-Quota-Bytes still sets the byte quota (and is how HEAD shows it).
QUOTA_HEADERS = (
    ("quota_bytes", ("x-account-meta-quota-bytes", "x-account-quota-bytes")),
    ("quota_count", ("x-account-quota-count",)),
)
Keep = str  # "keep": the request leaves that quota as it is


def _one_quota(sreq: SwiftRequest, names: tuple[str, ...]) -> int | None | Keep:
    headers = sreq.headers
    removed = any(f"x-remove-{name[2:]}" in headers for name in names)
    given = [headers[name] for name in names if name in headers]
    if not given and not removed:
        return "keep"
    value = given[0].strip() if given else ""
    if removed or not value:
        return None
    if not value.isdigit():
        raise SwiftError(400)
    return int(value)


def _quotas(sreq: SwiftRequest) -> dict[str, int | None | Keep]:
    """The quotas the request sets (int) or removes (None). COMPAT: as Swift's account_quotas,
    only a reseller admin may; anyone else trying is refused (403)."""
    found = {key: _one_quota(sreq, names) for key, names in QUOTA_HEADERS}
    if all(value == "keep" for value in found.values()):
        return found
    ctx = sreq.caller.ctx
    if ctx is None or not sreq.cloud.policy.check(ACCOUNT_QUOTA, ctx, account_target(sreq.project_id)):
        raise SwiftError(403)
    return found


async def post_account(sreq: SwiftRequest) -> Response:
    await authorize(sreq, Op.WRITE)
    quotas = _quotas(sreq)
    set_meta, remove = meta_changes(sreq.headers, "account", skip=QUOTA_KEYS)
    await sreq.call(sreq.objects.update_account, sreq.project_id, set_meta, remove, **quotas)
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
