"""(to be written) build(cloud, swift) -> the S3 ASGI app."""

from __future__ import annotations

from starlette.types import ASGIApp

from pocketstack.api.object_v1.app import ObjectStoreApp
from pocketstack.cloud import Cloud


def build(cloud: Cloud, swift: ObjectStoreApp) -> ASGIApp:
    raise NotImplementedError
