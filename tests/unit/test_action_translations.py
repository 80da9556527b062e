"""v2.1 and vNext translate into the one core action table: every action each API names is a core
action, every core action is reachable from both APIs (or its other route is named), and every
v2.1 action body is declared for every microversion."""

from __future__ import annotations

from pocketstack.api.compute_v21.handlers import server_actions as v21
from pocketstack.api.compute_v21.microversions import LEGACY_VERSION, MAX_VERSION, Version
from pocketstack.api.compute_v21.schemas import server_actions as v21_schemas
from pocketstack.api.compute_vnext import actions as vnext
from pocketstack.core.compute import states

# Core actions v2.1 starts through another route than POST /servers/{id}/action.
V21_ELSEWHERE = {
    "create": "POST /servers",
    "delete": "DELETE /servers/{id}",
    "softDelete": "DELETE /servers/{id} with reclaim_instance_interval",
    "attach_interface": "POST /servers/{id}/os-interface",
    "detach_interface": "DELETE /servers/{id}/os-interface/{port}",
    "transfer": "vNext PATCH /servers/{id} only",
}


def test_v21_names_only_core_actions_and_reaches_every_one() -> None:
    core = set(states.ACTIONS)
    assert set(v21.ACTIONS) <= core
    assert core - set(v21.ACTIONS) == set(V21_ELSEWHERE)
    assert not set(v21.ACTIONS) & set(V21_ELSEWHERE)


def test_v21_wire_names_are_unique_and_bodies_belong_to_actions() -> None:
    wires = [a.wire for a in v21.ACTIONS.values()]
    assert len(wires) == len(set(wires))
    consoles = {"os-getConsoleOutput", *v21.CONSOLES}
    assert set(v21_schemas.BODIES) <= set(wires) | consoles


def test_every_v21_action_has_an_answer_at_every_version() -> None:
    versions = [LEGACY_VERSION, *(Version(2, m) for m in range(1, MAX_VERSION.minor + 1))]
    for core, action in v21.ACTIONS.items():
        for version in versions:
            check = v21_schemas.schema_for(action.wire, version)
            assert check is not None, (core, version)
            if action.answer is not None:
                assert callable(action.answer.at(version)), (core, version)


def test_vnext_names_every_core_action() -> None:
    assert set(vnext.ACTIONS) == set(states.ACTIONS)
    for core, action in vnext.ACTIONS.items():
        assert vnext.shown(core) == action.name
        assert action.name == action.name.upper()


def test_vnext_tasks_have_bodies_rules_and_a_single_name() -> None:
    for name, (core, action) in vnext.TASKS.items():
        assert action.body is not None and action.rules, name
        assert action.body.model_fields["action"].annotation.__args__ == (name,)
        assert core in states.ACTIONS
    asked = [a.name for a in vnext.ACTIONS.values() if a.body is not None]
    assert len(asked) == len(set(asked)), "a task name a client sends maps to one core action"


def test_vnext_never_shows_a_password() -> None:
    assert vnext.shown_params("changePassword", {"password": "s3cret"}) == {}
    assert vnext.shown_params("reboot", {"type": "HARD"}) == {"type": "HARD"}
