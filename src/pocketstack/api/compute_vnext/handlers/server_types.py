"""Server types (flavors), their shares and tags."""

from __future__ import annotations

from pocketstack.api.compute_vnext.common import Route

ROUTES: list[Route] = []
