"""Every route names a policy rule that exists; the layers import only downwards."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES
from pocketstack.core.identity.policies import IDENTITY_RULES
from pocketstack.core.image.policies import IMAGE_RULES
from pocketstack.core.policy import Enforcer

RULES = Enforcer([*IDENTITY_RULES, *IMAGE_RULES]).rules
# Only discovery and logging in may be reached without a token.
ANONYMOUS = {
    ("identity", "GET", "/"),
    ("identity", "GET", "/v3"),
    ("identity", "GET", "/v3/"),
    ("identity", "POST", "/v3/auth/tokens"),
    ("image", "GET", "/"),
    ("image", "GET", "/versions"),
}
ALL = [("identity", r) for r in IDENTITY_ROUTES] + [("image", r) for r in IMAGE_ROUTES]


@pytest.mark.parametrize(("service", "route"), ALL, ids=lambda x: getattr(x, "path", x))
def test_route_is_authenticated_with_an_existing_rule(service: str, route) -> None:  # noqa: ANN001
    key = (service, route.method, route.path)
    if not route.authenticated:
        assert key in ANONYMOUS, f"{key} is reachable without a token"
        return
    assert route.policy in RULES, f"{key} names no existing policy rule ({route.policy})"


def test_no_route_is_declared_twice() -> None:
    keys = [(s, r.method, r.path) for s, r in ALL]
    assert len(keys) == len(set(keys))


def test_import_contracts_hold() -> None:
    root = Path(__file__).resolve().parents[2]
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([lint], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
