"""docs/compute-vnext.md's route table lists exactly the routes vNext serves."""

from __future__ import annotations

import re
from pathlib import Path

from pocketstack.api.compute_vnext.routes import TABLE

DOC = Path(__file__).resolve().parents[2] / "docs" / "compute-vnext.md"


def _documented() -> set[tuple[str, str]]:
    text = DOC.read_text()
    section = text[text.index("## 2. Routes") : text.index("## 3. Discovery")]
    rows = set()
    for line in section.splitlines():
        match = re.match(r"\| ([A-Z, ]+) \| `([^`]+)`", line)
        if match:
            path = match.group(2).split("?")[0]
            rows |= {(method.strip(), path) for method in match.group(1).split(",")}
    return rows


def test_the_route_table_is_the_served_one() -> None:
    served = {(route.method, route.path) for route in TABLE}
    documented = _documented()
    assert documented - served == set(), "documented but not served"
    assert served - documented == set(), "served but not documented"
