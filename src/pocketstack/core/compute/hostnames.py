"""vNext hostnames: RFC 1123, unique among a project's live servers (docs/compute-vnext.md 6.5).

A ``hostname_pattern`` holds ``%(rand_num)Nd`` at most once (N from 1 to 9), which becomes N
random digits, zero-padded; a pattern without it is a literal. Names are checked in two steps:
their form before anything is read (``check_name``, ``check_pattern``), their uniqueness by
``allocate`` inside the create's transaction, under the project's quota lock, so two batches
cannot pick the same name.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import BadRequest
from pocketstack.store.compute_models import Server

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_RAND = re.compile(r"%\(rand_num\)(\d+)d")
MAX_LENGTH = 253
ENUMERATE_BELOW = 100_000  # patterns with fewer names than this are drawn from the free ones
_random = random.SystemRandom()


def check_name(hostname: str) -> None:
    """400 unless ``hostname`` is lower-case RFC 1123: labels of 1 to 63 letters, digits and
    hyphens (not at their ends), dots between, at most 253 characters."""
    if len(hostname) > MAX_LENGTH or not all(_LABEL.fullmatch(part) for part in hostname.split(".")):
        raise BadRequest(
            f"Hostname {hostname!r} is not a valid RFC 1123 hostname (lower-case letters, digits, "
            "hyphens and dots, labels of at most 63 characters)."
        )


@dataclass(frozen=True)
class Pattern:
    """A pattern cut at its random part: ``prefix``, ``digits`` random digits, ``suffix``
    (``digits`` is 0 for a literal)."""

    prefix: str
    digits: int
    suffix: str

    @property
    def size(self) -> int:
        return 10**self.digits

    def name(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}{self.suffix}" if self.digits else self.prefix

    def matches(self, hostname: str) -> bool:
        if not self.digits:
            return hostname == self.prefix
        middle = hostname[len(self.prefix) : len(hostname) - len(self.suffix)]
        return (
            len(hostname) == len(self.prefix) + self.digits + len(self.suffix)
            and hostname.startswith(self.prefix)
            and hostname.endswith(self.suffix)
            and middle.isdigit()
        )


def check_pattern(pattern: str) -> Pattern:
    """The pattern's parts; 400 for more than one random part, N outside 1..9, or names that
    would not be hostnames."""
    found = _RAND.findall(pattern)
    if len(found) > 1:
        raise BadRequest(f"hostname_pattern {pattern!r} may hold %(rand_num)Nd once only.")
    if not found:
        check_name(pattern)
        return Pattern(pattern, 0, "")
    digits = int(found[0])
    if not 1 <= digits <= 9:
        raise BadRequest(f"hostname_pattern {pattern!r}: N in %(rand_num)Nd must be from 1 to 9.")
    prefix, suffix = _RAND.split(pattern, maxsplit=1)[::2]
    cut = Pattern(prefix, digits, suffix)
    check_name(cut.name(0))
    return cut


def taken(s: Session, project_id: str) -> set[str]:
    """The hostnames of the project's servers that are not deleted."""
    stmt = select(Server.hostname).where(Server.project_id == project_id, Server.deleted.is_(False))
    return set(s.scalars(stmt))


def allocate(wanted: Sequence[str | Pattern], used: Iterable[str]) -> list[str]:
    """One free hostname per entry of ``wanted`` (a literal name, or a pattern), in order.
    400 when a literal is taken or asked twice, or a pattern has too few free names left."""
    busy = set(used)
    for index, w in enumerate(wanted):
        if isinstance(w, str):
            if w in busy:
                raise BadRequest(f"servers[{index}]: the hostname {w!r} is taken in this project or batch.")
            busy.add(w)
    patterns = Counter(w for w in wanted if isinstance(w, Pattern))
    drawn = {p: _draw(p, count, busy) for p, count in patterns.items()}
    return [w if isinstance(w, str) else drawn[w].pop() for w in wanted]


def _draw(pattern: Pattern, count: int, busy: set[str]) -> list[str]:
    """``count`` free names of ``pattern`` (added to ``busy``); 400 when there are fewer."""
    in_use = sum(1 for name in busy if pattern.matches(name))
    if pattern.size - in_use < count:
        shown = (
            pattern.name(0)
            if not pattern.digits
            else f"{pattern.prefix}%(rand_num){pattern.digits}d{pattern.suffix}"
        )
        raise BadRequest(
            f"hostname_pattern {shown!r} has {max(pattern.size - in_use, 0)} free names left in this "
            f"project; the batch needs {count}."
        )
    if pattern.size <= ENUMERATE_BELOW:
        free = [n for n in map(pattern.name, range(pattern.size)) if n not in busy]
        names = _random.sample(free, count)
    else:
        names = []
        while len(names) < count:  # a batch is at most 1,000 of 100,000 names or more
            name = pattern.name(_random.randrange(pattern.size))
            if name not in busy:
                busy.add(name)
                names.append(name)
    busy.update(names)
    return names
