"""vNext hostnames: their form, patterns, and picking free names (core/compute/hostnames.py)."""

from __future__ import annotations

import pytest

from pocketstack.core.compute import hostnames
from pocketstack.core.errors import BadRequest


@pytest.mark.parametrize("name", ["a", "web-1", "db.example.org", "0abc", "x" * 63])
def test_good_names(name: str) -> None:
    hostnames.check_name(name)


@pytest.mark.parametrize("name", ["", "Web", "-a", "a-", "a..b", "a_b", "x" * 64, ("a." * 127) + "ab"])
def test_bad_names(name: str) -> None:
    with pytest.raises(BadRequest):
        hostnames.check_name(name)


def test_a_pattern_expands_to_zero_padded_digits() -> None:
    cut = hostnames.check_pattern("web-%(rand_num)3d.lan")
    assert (cut.prefix, cut.digits, cut.suffix) == ("web-", 3, ".lan")
    assert cut.name(7) == "web-007.lan" and cut.matches("web-123.lan") and not cut.matches("web-12.lan")
    assert hostnames.check_pattern("plain") == hostnames.Pattern("plain", 0, "")
    for bad in ("a-%(rand_num)0d", "a-%(rand_num)10d", "%(rand_num)1d-%(rand_num)1d", "A-%(rand_num)2d"):
        with pytest.raises(BadRequest):
            hostnames.check_pattern(bad)


def test_allocate_gives_unique_free_names_or_a_400() -> None:
    one = hostnames.check_pattern("n-%(rand_num)1d")
    names = hostnames.allocate([one] * 8 + ["other"], {"n-3", "n-5"})
    assert len(set(names[:8])) == 8 and not {"n-3", "n-5"} & set(names) and names[8] == "other"
    with pytest.raises(BadRequest, match="8 free names"):
        hostnames.allocate([one] * 9, {"n-3", "n-5"})
    with pytest.raises(BadRequest, match=r"servers\[1\]"):
        hostnames.allocate(["a", "a"], set())
    with pytest.raises(BadRequest, match=r"servers\[0\]"):
        hostnames.allocate(["n-3"], {"n-3"})


def test_wide_patterns_draw_at_random() -> None:
    wide = hostnames.check_pattern("w-%(rand_num)9d")
    names = hostnames.allocate([wide] * 1000, set())
    assert len(set(names)) == 1000 and all(wide.matches(n) for n in names)
