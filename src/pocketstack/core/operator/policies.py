"""The Operator API's rules: one per route, each open to a system-scoped admin by default
(``rule:system_admin``). A policy file may widen a rule to another system role (a reader for
the lists, say); a project- or domain-scoped token is refused whatever its roles, as Nova and
Glance refuse a system token on their project routes."""

from __future__ import annotations

from pocketstack.core.policy import Rule

SYSTEM_SCOPE = frozenset({"system"})
PREFIX = "operator:"
ADMIN = "rule:system_admin"


def _rules(*names_and_descriptions: tuple[str, str]) -> list[Rule]:
    return [
        Rule(PREFIX + name, ADMIN, description, SYSTEM_SCOPE) for name, description in names_and_descriptions
    ]


OPERATOR_RULES = _rules(
    ("hosts:list", "List the hosts and their usage."),
    ("hosts:get", "Show a host."),
    ("hosts:create", "Register a simulated host."),
    ("hosts:update", "Enable, disable or change a host's inventories and traits."),
    ("hosts:delete", "Remove a host that holds no allocation."),
    ("hosts:drain", "Move every server off a host."),
    ("placements:list", "List the placements."),
    ("placements:get", "Show a placement."),
    ("placements:create", "Make a placement."),
    ("placements:update", "Rename or re-parent a placement."),
    ("placements:delete", "Remove an empty placement."),
    ("faults:get", "Show the fault injection settings."),
    ("faults:update", "Change the fault injection settings."),
    ("keys:list", "List the token keys (ids and stages, never their material)."),
    ("keys:rotate", "Rotate the token keys."),
    ("tasks:list", "List tasks across the cloud."),
    ("tasks:get", "Show a task."),
    ("tasks:abort", "Abort a running task."),
    ("snapshots:list", "List the cloud state snapshots."),
    ("snapshots:get", "Show a cloud state snapshot."),
    ("snapshots:create", "Snapshot the whole cloud's state."),
    ("snapshots:delete", "Delete a cloud state snapshot."),
    ("snapshots:restore", "Put the whole cloud back in a snapshot's state."),
    ("reset", "Put the whole cloud back in its first-start state."),
)
