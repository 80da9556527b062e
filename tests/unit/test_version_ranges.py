"""The microversion tables of Compute v2.1 (api/compute_v21/version_ranges.py): every ``Ranged``
covers 2.0 to the newest version once, every gate lies within the versions served, and no
module outside the version machinery compares microversions itself."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import pocketstack.api.compute_v21.routes  # noqa: F401 - loads every module, so every table exists
from pocketstack.api.compute_v21.microversions import LEGACY_VERSION, MAX_VERSION, Version
from pocketstack.api.compute_v21.version_ranges import GATES, Gate, Ranged, next_version

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "pocketstack" / "api" / "compute_v21"
DOC = ROOT / "docs" / "compute-microversions.md"
# The version machinery itself: the only modules that may compare versions.
MACHINERY = {"request.py", "microversions.py", "version_ranges.py", "versions.py"}
COMPARISONS = re.compile(
    r"at_least\("  # the low-level helper
    r"|version\(req\)\s*[<>]"  # a version read off the request, compared
    r"|Version\(2,"  # a version written out
    r"|[<>]=?\s*\(2,\s*\d"  # a version compared with a tuple
)


def _gates() -> list[tuple[str, Gate]]:
    """GATES, and the per-field / per-name tables of Gates the modules declare."""
    found = list(GATES.items())
    for name, module in sys.modules.items():
        if not name.startswith("pocketstack.api.compute_v21."):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, dict) and value is not GATES:
                found += [(f"{name}.{attr}[{k!r}]", g) for k, g in value.items() if isinstance(g, Gate)]
    return found


@pytest.mark.parametrize("table", Ranged.ALL, ids=lambda t: t.name)
def test_each_ranged_covers_every_version_once(table: Ranged[object]) -> None:
    assert table.gaps() == [], table.name


def test_the_tables_are_found() -> None:
    names = {t.name for t in Ranged.ALL}
    assert {
        "flavor.create_body",
        "keypair.create_body",
        "server.create_body",
        "limits.hidden_resources",
    } <= names
    assert len(names) == len(Ranged.ALL), "two tables share a name"


@pytest.mark.parametrize(("name", "gate"), _gates(), ids=lambda x: x if isinstance(x, str) else "")
def test_each_gate_lies_within_the_versions_served(name: str, gate: Gate) -> None:
    assert LEGACY_VERSION <= gate.since <= MAX_VERSION, name
    if gate.until is not None:
        assert gate.since <= gate.until <= MAX_VERSION, name


def test_gates_are_named_resource_dot_behaviour() -> None:
    assert [n for n in GATES if not re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", n)] == []


def test_no_module_compares_microversions_itself() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() in MACHINERY:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if COMPARISONS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_check_finds_a_comparison() -> None:
    for line in ("if at_least(req, 2, 55):", "version(req) >= x", "Version(2, 43)", "if v >= (2, 98):"):
        assert COMPARISONS.search(line), line
    assert not COMPARISONS.search('if gated(req, "flavor.description"):')


def test_gaps_reports_a_gap_an_overlap_and_a_short_end() -> None:
    start = len(Ranged.ALL)
    try:
        gap = Ranged("test.gap", ("2.0", "2.9", 1), ("2.11", None, 2))
        overlap = Ranged("test.overlap", ("2.0", "2.10", 1), ("2.10", None, 2))
        short = Ranged("test.short", ("2.0", "2.50", 1))
        late = Ranged("test.late", ("2.1", None, 1))
        backwards = Ranged("test.backwards", ("2.0", "2.5", 1), ("2.6", "2.4", 2), ("2.5", None, 3))
        whole = Ranged("test.whole", ("2.0", "2.10", 1), ("2.11", None, 2))
        assert gap.gaps() == ["test.gap: expected a row from 2.10, found one from 2.11"]
        assert overlap.gaps() == ["test.overlap: expected a row from 2.11, found one from 2.10"]
        assert short.gaps() == ["test.short: no row from 2.51 on"]
        assert late.gaps() == ["test.late: expected a row from 2.0, found one from 2.1"]
        assert backwards.gaps() != []
        assert whole.gaps() == []
        assert whole.at(Version(2, 10)) == 1 and whole.at(Version(2, 11)) == 2 and whole.at(MAX_VERSION) == 2
    finally:
        del Ranged.ALL[start:]


def _documented_versions() -> set[Version]:
    rows = re.findall(r"^\| (2\.\d+) \|", DOC.read_text(), re.MULTILINE)
    return {Version(2, int(row.split(".")[1])) for row in rows}


def test_every_boundary_is_a_documented_microversion() -> None:
    """Where a gate or a table row starts (or starts after it ends) is a row of the doc's table."""
    documented = _documented_versions()
    boundaries: list[tuple[str, Version]] = []
    for name, gate in _gates():
        if gate.since != LEGACY_VERSION:
            boundaries.append((name, gate.since))
        if gate.until is not None:
            boundaries.append((name, next_version(gate.until)))
    for table in Ranged.ALL:
        boundaries += [(table.name, row.since) for row in table if row.since != LEGACY_VERSION]
    missing = [f"{name}: {v.major}.{v.minor}" for name, v in boundaries if v not in documented]
    assert missing == []
