"""Creating a batch of servers: POST /projects/{project_id}/servers."""

from __future__ import annotations

from pocketstack.api.compute_vnext.common import Route

ROUTES: list[Route] = []
