"""Swift's container ACLs, as data: parsing, validation and matching (no HTTP here).

A read ACL (X-Container-Read) holds referrer entries (``.r:*``, ``.r:example.com``,
``.r:.example.com`` a domain and its subdomains, ``.r:-host`` a denial), ``.rlistings`` (the
referrers may list the container too) and identity entries; a write ACL (X-Container-Write)
holds identity entries only. An identity entry is ``<project>:<user>`` where either side may be
``*`` and each an id (or a name in the default domain, as keystoneauth allows), or a bare role
name."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from pocketstack.core.errors import BadRequest

_REFERRER_ALIASES = (".r", ".ref", ".referer", ".referrer")
DEFAULT_DOMAIN = "default"


@dataclass(frozen=True)
class Acl:
    referrers: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def listings(self) -> bool:
        return ".rlistings" in self.groups


@dataclass(frozen=True)
class AclIdentity:
    """Who asks, as an ACL entry may name them."""

    project_id: str | None
    user_id: str | None
    project_name: str | None = None
    user_name: str | None = None
    in_default_domain: bool = False
    roles: frozenset[str] = frozenset()


def parse_acl(value: str | None) -> Acl:
    """The entries of a stored (already cleaned) ACL."""
    referrers: list[str] = []
    groups: list[str] = []
    for entry in (e.strip() for e in (value or "").split(",")):
        if not entry:
            continue
        if entry.startswith(".r:"):
            referrers.append(entry[3:])
        else:
            groups.append(entry)
    return Acl(tuple(referrers), tuple(groups))


def clean_acl(kind: str, value: str) -> str:
    """Normalize an ACL a client sets (``kind`` "read" or "write"); BadRequest names the first
    entry that is not valid. Referrer aliases (``.ref:``, ``.referrer:``) become ``.r:``."""
    cleaned: list[str] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if not entry.startswith("."):
            cleaned.append(entry)
            continue
        if entry == ".rlistings":
            if kind != "read":
                raise BadRequest(f"Referrers not allowed in write ACL: {entry!r}")
            cleaned.append(entry)
            continue
        designator, sep, host = entry.partition(":")
        if designator.strip() not in _REFERRER_ALIASES or not sep:
            raise BadRequest(f"Unknown designator {designator.strip()!r} in ACL: {entry!r}")
        if kind != "read":
            raise BadRequest(f"Referrers not allowed in write ACL: {entry!r}")
        host = host.strip()
        if host.startswith("-"):
            host = "-" + host[1:].strip()
        if host in ("", "-"):
            raise BadRequest(f"No host/domain value after referrer designation in ACL: {entry!r}")
        if host.startswith("*.") or host.startswith("-*."):
            host = host.replace("*", "", 1)  # "*.example.com" means ".example.com"
        cleaned.append(f".r:{host}")
    return ",".join(cleaned)


def _host_matches(pattern: str, host: str) -> bool:
    return pattern == host or (pattern.startswith(".") and host.endswith(pattern))


def referrer_allowed(referrer: str | None, referrers: tuple[str, ...]) -> bool:
    """Entries are read in order and the last that matches decides (a denial ``-host`` after
    ``*`` shuts that host out)."""
    host = urlparse(referrer or "").hostname or "unknown"
    allowed = False
    for pattern in referrers:
        if pattern.startswith("-"):
            if _host_matches(pattern[1:], host):
                allowed = False
        elif pattern == "*" or _host_matches(pattern, host):
            allowed = True
    return allowed


def identity_allowed(groups: tuple[str, ...], who: AclIdentity) -> bool:
    """Whether an identity entry (not a referrer) names ``who``."""
    if who.user_id is None:
        return False
    projects = {"*", who.project_id}
    users = {"*", who.user_id}
    if who.in_default_domain:
        projects.add(who.project_name)
        users.add(who.user_name)
    for entry in groups:
        project, sep, user = entry.partition(":")
        if sep:
            if project in projects and user in users:
                return True
        elif entry in who.roles and not entry.startswith("."):
            return True  # COMPAT: keystoneauth lets a bare role name in an ACL grant that role
    return False
