"""Hostile values: the lists the fuzz test picks from, and ``Gen``, which makes random JSON,
text and header values from a seeded ``random.Random``.

Why a seeded Random rather than hypothesis' strategies for each part of a request: drawn part
by part, a request costs hypothesis tens of milliseconds, more than sending it, and its
generator keeps mutating earlier examples, so a budget of a dozen requests per route goes to
near-copies. Hypothesis picks one case number per request instead (distinct every time, and
reproducible from its seed); the number seeds everything else.
"""

from __future__ import annotations

import importlib
import json
import random
import sys
from typing import Any

from pydantic import BaseModel

BOUNDARY_INTS = [
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64 - 1,
]
FLOATS = [0.5, -0.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"), float("-inf"), 1.0, 2.5e9]
HOSTILE_TEXT = [
    "",
    " ",
    "\t",
    "null",
    "None",
    "true",
    "0",
    "-1",
    "1e400",
    str(2**63),
    "NaN",
    "..",
    "../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "a/b",
    "a\\b",
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%(target.project_id)s",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "😀" * 3,
    "\u0000",
    "\ud800",
    "\uffff",
    "x" * 256,
    "y" * 70000,
    "2020-01-01T00:00:00Z",
    "9999-99-99T99:99:99",
    "0001-01-01",
    "in:a,b",
    "gte:5",
    "asc",
    "desc",
    "sideways",
    "public",
    "ACTIVE",
    "admin",
    "default",
]
# Pieces random text is made of: plain letters most of the time, then what parsers trip on.
CHARS = [
    "abcdefghijklmnopqrstuvwxyz",
    "ABCXYZ0123456789",
    "-_.:/ %&=?#[]{}()<>,;'\"\\*+!@$^|~`",
    "\t\n\r\x0b\x0c\x1b\x7f",
    "éßøå漢字ключ",
    "\u0301\u200b\u200d\u202e\ufeff\ufffd\uffff",
    "😀🏳️‍🌈𝕏",
    "\x00",
    "\ud800\udfff",
]
CHAR_WEIGHTS = [40, 10, 10, 3, 6, 3, 3, 1, 1]
HEADER_CHARS = "".join(chr(c) for c in range(0x20, 0x100) if c != 0x7F)  # latin-1, no controls
ROUTE_TABLES = [f"pocketstack.api.{api}.routes" for api in ("identity_v3", "compute_v21", "image_v2")]


def _schema_models() -> list[type[BaseModel]]:
    """Every request model the three APIs' route tables use (importing the tables loads
    their schema modules)."""
    for table in ROUTE_TABLES:
        importlib.import_module(table)
    models: list[type[BaseModel]] = []
    for name, module in sorted(sys.modules.items()):
        if name.startswith("pocketstack.api.") and ".schemas" in name:
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == name:
                    models.append(value)
    return models


def _field_names() -> list[str]:
    names = {"id", "name", "enabled", "domain_id", "project_id", "links", "extra", "self", "options"}
    for model in _schema_models():
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
    return sorted(names)


FIELD_NAMES = _field_names()
# Nova's action names (server, flavor and aggregate actions), and one it does not have.
ACTION_NAMES = """
reboot os-stop os-start pause unpause suspend resume lock unlock rescue unrescue rebuild resize
confirmResize revertResize createImage createBackup changePassword shelve shelveOffload unshelve
trigger_crash_dump migrate os-migrateLive evacuate os-resetState restore forceDelete os-getVNCConsole
os-getSPICEConsole os-getSerialConsole os-getRDPConsole os-getMKSConsole addSecurityGroup
removeSecurityGroup addFloatingIp removeFloatingIp addFixedIp removeFixedIp os-resetNetwork
injectNetworkInfo addTenantAccess removeTenantAccess add_host remove_host set_metadata cache os-fooBar
""".split()  # noqa: SIM905 - a list of words reads best as words


class Gen:
    """Random hostile values from one seed."""

    def __init__(self, seed: int | str) -> None:
        self.rnd = random.Random(seed)

    def text(self, max_len: int = 40, *, in_url: bool = False) -> str:
        rnd = self.rnd
        if rnd.random() < 0.2:
            text = rnd.choice(HOSTILE_TEXT)
            return text[:8000] if in_url else text  # a client sends no URL past 64 KiB
        length = rnd.choice([0, 1, 2, 3, 5, 8, 13, max_len])
        pools = rnd.choices(CHARS, CHAR_WEIGHTS, k=length)
        return "".join(rnd.choice(pool) for pool in pools)

    def header(self, max_len: int = 40) -> str:
        return "".join(self.rnd.choice(HEADER_CHARS) for _ in range(self.rnd.randrange(max_len + 1)))

    def scalar(self) -> Any:
        rnd = self.rnd
        kind = rnd.randrange(10)
        if kind == 0:
            return None
        if kind == 1:
            return rnd.random() < 0.5
        if kind == 2:
            return rnd.choice(BOUNDARY_INTS)
        if kind == 3:
            return rnd.randint(-5, 100)
        if kind == 4:
            return rnd.choice(FLOATS)
        return self.text()

    def key(self) -> str:
        roll = self.rnd.random()
        if roll < 0.6:
            return self.rnd.choice(FIELD_NAMES)
        if roll < 0.7:
            return self.rnd.choice(ACTION_NAMES)
        return self.text(12)

    def json(self, depth: int = 0) -> Any:
        """A random JSON value of a random shape, at most a few levels deep."""
        roll = self.rnd.random()
        if depth >= 4 or roll < 0.5:
            return self.scalar()
        if roll < 0.7:
            return [self.json(depth + 1) for _ in range(self.rnd.randrange(4))]
        return {self.key(): self.json(depth + 1) for _ in range(self.rnd.randrange(6))}

    def hostile(self) -> Any:
        """What goes where a field's value should be: mostly the wrong type, a null, an empty
        or huge value."""
        rnd = self.rnd
        roll = rnd.random()
        if roll < 0.15:
            return None
        if roll < 0.25:
            return rnd.choice(["", " ", "x" * 300])
        if roll < 0.40:
            return rnd.choice(BOUNDARY_INTS)
        if roll < 0.45:
            return rnd.choice(FLOATS)
        if roll < 0.52:
            return rnd.random() < 0.5
        if roll < 0.60:
            return []
        if roll < 0.67:
            return {}
        if roll < 0.75:
            return rnd.choice(HOSTILE_TEXT)
        if roll < 0.85:
            return self.text()
        return self.json()

    def nested(self) -> Any:
        """A value nested around the depth limit (MAX_JSON_DEPTH is 32)."""
        value = self.scalar()
        for _ in range(self.rnd.choice([30, 31, 32, 33, 34, 100])):
            value = [value] if self.rnd.random() < 0.5 else {"a": value}
        return value

    def deep_text(self) -> bytes:
        """A document nested far deeper than any parser should follow, written as text (the
        json module would itself recurse too deep to write it), closed or not."""
        depth = self.rnd.choice([33, 1000, 5000, 50000])
        opener, closer = self.rnd.choice([(b"[", b"]"), (b'{"a":', b"}")])
        return opener * depth + b"1" + closer * depth * self.rnd.choice([1, 0])


def encode(value: Any, *, ascii_only: bool = True) -> bytes:
    """JSON text for anything Gen makes (NaN and lone surrogates included: they make
    documents a strict parser must refuse)."""
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    return text.encode("utf-8", "surrogatepass")
