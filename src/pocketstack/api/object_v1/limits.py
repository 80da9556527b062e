"""Swift's constraints as pocketstack serves them (Swift's defaults), and what ``/info`` says.
Every limit here is enforced by this package; ``/info`` lists only what is served."""

from __future__ import annotations

from typing import Any

MAX_FILE_SIZE = 5 * 1024 * 1024 * 1024 + 2
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_META_OVERALL_SIZE = 4096
MAX_HEADER_SIZE = 8192
MAX_OBJECT_NAME_LENGTH = 1024
MAX_CONTAINER_NAME_LENGTH = 256
MAX_ACCOUNT_NAME_LENGTH = 256
CONTAINER_LISTING_LIMIT = 10000
ACCOUNT_LISTING_LIMIT = 10000
SWIFT_VERSION = "2.35.0"  # the Swift release whose API this package follows
STORAGE_POLICY = "Policy-0"
RESELLER_PREFIX = "AUTH_"

# A layer of the pipeline announces what it serves in ``/info`` with a module attribute
# ``SWIFT_INFO = {"slo": {...}}`` (a layer not yet written has none, and is not announced).
_LAYERS = ("tempurl", "formpost", "bulk", "slo", "dlo")


def _middleware_info() -> dict[str, Any]:
    from importlib import import_module

    found: dict[str, Any] = {}
    for name in _LAYERS:
        module = import_module(f"pocketstack.api.object_v1.middleware.{name}")
        found.update(getattr(module, "SWIFT_INFO", None) or {})
    return found


def swift_info() -> dict[str, Any]:
    swift = {
        "version": SWIFT_VERSION,
        "max_file_size": MAX_FILE_SIZE,
        "max_meta_name_length": MAX_META_NAME_LENGTH,
        "max_meta_value_length": MAX_META_VALUE_LENGTH,
        "max_meta_count": MAX_META_COUNT,
        "max_meta_overall_size": MAX_META_OVERALL_SIZE,
        "max_header_size": MAX_HEADER_SIZE,
        "max_object_name_length": MAX_OBJECT_NAME_LENGTH,
        "max_container_name_length": MAX_CONTAINER_NAME_LENGTH,
        "max_account_name_length": MAX_ACCOUNT_NAME_LENGTH,
        "container_listing_limit": CONTAINER_LISTING_LIMIT,
        "account_listing_limit": ACCOUNT_LISTING_LIMIT,
        "extra_header_count": 0,
        "valid_api_versions": ["v1", "v1.0"],
        "account_autocreate": True,
        "allow_account_management": False,
        "strict_cors_mode": True,
        "policies": [{"name": STORAGE_POLICY, "default": True}],
    }
    return {
        "swift": swift,
        "account_quotas": {},
        "container_quotas": {},
        "crossdomain": {},
        "versioned_writes": {"allowed_flags": ["x-versions-location", "x-history-location"]},
        **_middleware_info(),
    }
