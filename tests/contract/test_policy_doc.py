"""docs/policy.md is generated from the route tables and the default rules: it must match."""

from __future__ import annotations

from pathlib import Path

from pocketstack.api import policy_doc
from pocketstack.api.compute_v21.routes import ROUTES as COMPUTE_ROUTES
from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def test_policy_doc_is_up_to_date() -> None:
    expected = policy_doc.render()
    current = DOC.read_text() if DOC.exists() else ""
    assert current == expected, (
        f"{DOC} is out of date with the route tables or the default policy rules; regenerate it "
        f"from the repository root with `{policy_doc.REGENERATE}` and commit the result."
    )


def test_every_route_has_a_row_and_every_rule_named_exists() -> None:
    text = policy_doc.render()
    for prefix, routes in (
        ("/identity", IDENTITY_ROUTES),
        ("/compute/v2.1", COMPUTE_ROUTES),
        ("/image", IMAGE_ROUTES),
    ):
        for route in routes:
            assert f"| `{route.method} {prefix}{route.path}`" in text, (route.method, route.path)
    enf = policy_doc.default_enforcer()
    assert policy_doc.route_rules() <= set(enf.rules)


def test_the_doc_states_what_the_personas_may_do() -> None:
    text = policy_doc.render()

    def row(call: str) -> list[str]:
        line = next(line for line in text.splitlines() if line.startswith(f"| `{call}` |"))
        return [cell.strip() for cell in line.strip("|").split("|")][2:]

    # anonymous, project reader/member/admin, domain reader/admin, system reader/admin
    assert row("GET /compute/v2.1/servers") == ["401", "✓", "✓", "✓", "scope", "scope", "scope", "scope"]
    assert row("GET /compute/v2.1/os-hypervisors") == ["401", "✗", "✗", "✓", *["scope"] * 4]
    assert row("GET /image/v2/images/{image_id}/file") == ["401", "✗", "✓", "✓", *["scope"] * 4]
    assert row("GET /image/v2/info/stores/detail") == ["401", "✗", "✗", "✓", *["scope"] * 4]
    assert row("GET /identity/v3/users") == ["401", "✗", "✗", "✓", "✓", "✓", "✓", "✓"]
    assert row("GET /identity/") == ["✓"] * 8


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "policy.md"
    stale.write_text("old\n")
    assert policy_doc.main(["--check", str(stale)]) == 1
    assert policy_doc.main([str(stale)]) == 0
    assert policy_doc.main(["--check", str(stale)]) == 0
