"""The Compute v2.1 route table (paths relative to /compute/v2.1): handler modules keep their
rows in ``ROUTES``; this module puts them together."""

from __future__ import annotations

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.compute_v21 import versions

ROUTES: list[Endpoint] = [
    Endpoint("GET", "/", versions.show_version, None, authenticated=False),
]
