"""Write docs/policy.md: who may call each route, worked out by the real Enforcer.

Every route of the Identity, Compute, Image and Network route tables (server and flavor actions one row
per action) is checked with the default rules for a set of personas -- a synthetic
RequestContext each -- against a target that belongs to the persona. The table is generated,
never edited by hand; a contract test regenerates it and compares.

    python -m pocketstack.api.policy_doc [PATH]      # write (default docs/policy.md)
    python -m pocketstack.api.policy_doc --check     # exit 1 when the file is out of date
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketstack.api.common.routing import Endpoint
from pocketstack.api.compute_v21.handlers import aggregates, flavor_access, server_actions
from pocketstack.api.compute_v21.routes import ROUTES as COMPUTE_ROUTES
from pocketstack.api.compute_vnext.routes import ROUTES as VNEXT_ROUTES
from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES
from pocketstack.api.network_v2.routes import ROUTES as NETWORK_ROUTES
from pocketstack.api.operator.routes import ROUTES as OPERATOR_ROUTES
from pocketstack.cloud import DEFAULT_RULES
from pocketstack.core.context import RequestContext
from pocketstack.core.policy import ALL_SCOPES, Enforcer, Rule

DEFAULT_PATH = Path("docs/policy.md")
REGENERATE = "python -m pocketstack.api.policy_doc"
SERVICES: Sequence[tuple[str, str, Sequence[Endpoint]]] = (
    ("Identity v3", "/identity", IDENTITY_ROUTES),
    ("Compute v2.1", "/compute/v2.1", COMPUTE_ROUTES),
    ("Compute vNext", "/compute/vnext", VNEXT_ROUTES),
    ("Image v2", "/image", IMAGE_ROUTES),
    ("Network v2", "/network", NETWORK_ROUTES),
    ("Operator", "/operator", OPERATOR_ROUTES),
)
USER, PROJECT, DOMAIN = "u-own", "p-own", "d-own"
READER = frozenset({"reader"})
MEMBER = frozenset({"member", "reader"})
ADMIN = frozenset({"admin", "member", "reader"})


@dataclass(frozen=True)
class Persona:
    name: str
    ctx: RequestContext | None  # None: no token at all


ROLES = (("reader", READER), ("member", MEMBER), ("admin", ADMIN))
PERSONAS = (
    Persona("anonymous", None),
    *(
        Persona(
            f"project {role}", RequestContext(USER, project_id=PROJECT, project_domain_id=DOMAIN, roles=r)
        )
        for role, r in ROLES
    ),
    *(
        Persona(f"domain {role}", RequestContext(USER, domain_id=DOMAIN, roles=r))
        for role, r in ROLES
        if role != "member"
    ),
    *(
        Persona(f"system {role}", RequestContext(USER, system_scope="all", roles=r))
        for role, r in ROLES
        if role != "member"
    ),
)
# "Own" semantics: the object a call names in its path belongs to the caller's project, domain
# and user; a call on a collection is about the caller's domain (as the identity handlers pass
# it); a subject token is the caller's own.
COLLECTION_TARGET: dict[str, Any] = {"domain_id": DOMAIN, "token": {"user_id": USER}}
OBJECT_TARGET: dict[str, Any] = {
    **COLLECTION_TARGET,
    "project_id": PROJECT,
    "user_id": USER,
    "member_id": PROJECT,
    "security_group_project_id": PROJECT,  # the owner of a security group rule's group
}


def default_enforcer() -> Enforcer:
    """The default rules, as ``cloud.build_cloud`` loads them before any operator override."""
    return Enforcer(DEFAULT_RULES)


def _actions(endpoint: Endpoint) -> list[tuple[str, str]]:
    """(label, rule) of each action behind one ``POST .../action`` route."""
    if endpoint.handler is server_actions.server_action:
        p = server_actions.P
        rows = [(a.wire, p + a.rule) for a in server_actions.ACTIONS.values()]
        rows.append(("os-getConsoleOutput", p + "os-console-output"))
        rows += [(wire, p + "os-remote-consoles") for wire in sorted(server_actions.CONSOLES)]
        rows += [(wire, p + rule) for wire, (rule, _, _) in server_actions.NETWORK_ACTIONS.items()]
        return rows
    if endpoint.handler is flavor_access.flavor_action:
        return [
            ("addTenantAccess", flavor_access.ADD_RULE),
            ("removeTenantAccess", flavor_access.REMOVE_RULE),
        ]
    if endpoint.handler is aggregates.aggregate_action:
        return [(name, rule) for name, (rule, _) in aggregates.ACTIONS.items()]
    return []


def _cell(enf: Enforcer, rule: str | None, persona: Persona, target: dict[str, Any]) -> str:
    if rule is None:
        return "✓"
    if persona.ctx is None:
        return "401"
    if not enf.rule(rule).allows_scope(persona.ctx):
        return "scope"
    return "✓" if enf.evaluate(rule, persona.ctx, target) else "✗"


def _scopes(rule: Rule) -> str:
    return "any" if rule.scope_types == ALL_SCOPES else ", ".join(sorted(rule.scope_types))


def _row(enf: Enforcer, cells: Sequence[str], rule: str | None, target: dict[str, Any]) -> str:
    shown = "*no token needed*" if rule is None else f"`{rule}`"
    marks = [_cell(enf, rule, p, target) for p in PERSONAS]
    return "| " + " | ".join([*cells, shown, *marks]) + " |"


Row = tuple[Sequence[str], str | None, dict[str, Any]]  # cells, rule, target


def _route_rows(prefix: str, routes: Sequence[Endpoint]) -> Iterator[Row]:
    # Neutron checks a create against the new object (the caller's project) and a list against
    # each object it returns, and Nova's network proxies check against the caller's project:
    # a collection is about the caller's own project (no other compute collection rule reads it).
    own = {"project_id": PROJECT, "security_group_project_id": PROJECT}
    collection = {**COLLECTION_TARGET, **own}
    for e in routes:
        call = f"`{e.method} {prefix}{e.path}`"
        target = OBJECT_TARGET if "{" in e.path else collection
        actions = _actions(e)
        if not actions:
            yield [call], e.policy if e.authenticated else None, target
        for label, rule in actions:
            yield [f"{call} `{label}`"], rule, target


def route_rules() -> set[str]:
    """Every rule some route row of the document names."""
    return {rule for _, prefix, routes in SERVICES for _, rule, _ in _route_rows(prefix, routes) if rule}


HEADER = f"""# Who may do what

Generated from the route tables and the default policy rules by `{REGENERATE}`;
do not edit by hand (`tests/contract/test_policy_doc.py` fails when it is out of date).

Each row is a route (each action of `POST .../action` its own row) and the rule it enforces;
each column a persona, worked out with the real policy enforcer:

- **project reader / member / admin**: a token scoped to a project, holding that role (roles
  imply each other: admin > member > reader);
- **domain reader / admin**: a token scoped to a domain; **system reader / admin**: a token
  scoped to the system (`{{"system": {{"all": true}}}}`);
- **anonymous**: no token at all.

A domain or system member may do nothing more than a reader of the same scope, so neither has
a column.

The object a call names in its path (`{{project_id}}`, `{{user_id}}`, `{{server_id}}`, ...) is the
persona's **own**: it belongs to the persona's project (for domain and system personas, a
project of their domain), domain and user. A call on a collection (no `{{...}}` in its path:
list, create) is about the persona's domain (a Network one about the persona's project, as Neutron
checks what a create makes and each object a list returns); a subject token is the persona's own. Another
project's objects are invisible to all but admins whatever this table says: services filter
by owner and visibility (a server or image you may not see is a 404; an image is visible to
its owner, to member projects when shared, and to everyone when public or community).

Marks: ✓ allowed; ✗ refused by the rule (403); `scope` refused because the rule does not
take a token of this scope (403, whatever its roles: Compute and Image rules take only
project-scoped tokens, as Nova's and Glance's defaults with scope enforcement on, which is
their default since 2023.1); `401` a token is needed.

pocketstack has the roles `admin`, `member` and `reader` only; Keystone's newer `manager`
role (and Nova's `project manager` persona) does not exist here, so it has no column, and the
rules Nova gives to project managers are admin-only.

An operator's policy file (`policy_file`) replaces check strings by rule name; it does not
change a rule's scopes. The table shows the defaults.
"""


INNER = """
## Rules no route names

Checked within a call for some of its options or cases (all projects, another user's keypairs,
a forced host, a public image, ...), with the same personas and their own objects; a few are
defined but not consulted yet, so that a policy file naming them loads.

"""


def _table(enf: Enforcer, first: Sequence[str], rows: Iterator[Row]) -> str:
    heads = [*first, "rule", *(p.name for p in PERSONAS)]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += [_row(enf, cells, rule, target) for cells, rule, target in rows]
    return "\n".join(lines) + "\n"


def render() -> str:
    enf = default_enforcer()
    parts = [HEADER]
    for title, prefix, routes in SERVICES:
        parts.append(f"\n## {title}\n\n" + _table(enf, ["call"], _route_rows(prefix, routes)))
    named = route_rules()
    inner = sorted(name for name in enf.rules if name not in named and ":" in name)
    parts.append(INNER + _table(enf, [], (([], name, OBJECT_TARGET) for name in inner)))
    parts.append("\n## Every rule\n\n| rule | scopes | check |\n|---|---|---|\n")
    parts.append(
        "".join(f"| `{r.name}` | {_scopes(r)} | `{r.check or '@'}` |\n" for _, r in sorted(enf.rules.items()))
    )
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    path = Path(paths[0]) if paths else DEFAULT_PATH
    text = render()
    if check:
        current = path.read_text() if path.exists() else ""
        if current != text:
            print(f"{path} is out of date; regenerate it with: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    path.write_text(text)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
