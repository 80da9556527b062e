"""The policy language: atoms, boolean structure, rule references and overrides."""

from __future__ import annotations

import pytest

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Forbidden
from pocketstack.core.policy import Enforcer, Rule, load_overrides

MEMBER = RequestContext(
    user_id="u1", project_id="p1", project_domain_id="d1", roles=frozenset({"member", "reader"})
)
SYSTEM_READER = RequestContext(user_id="u2", system_scope="all", roles=frozenset({"reader"}))
DOMAIN_READER = RequestContext(user_id="u3", domain_id="d1", roles=frozenset({"reader"}))


def enforcer(**overrides: str) -> Enforcer:
    rules = [
        Rule("admin", "role:admin"),
        Rule("owner", "user_id:%(target.user_id)s"),
        Rule("read", "rule:admin or (role:reader and system_scope:all) or rule:owner"),
        Rule("domain", "role:reader and domain_id:%(target.domain_id)s"),
        Rule("never", "!"),
        Rule("not_member", "not role:member"),
    ]
    return Enforcer(rules, overrides)


def test_rules_combine_roles_scope_and_target() -> None:
    enf = enforcer()
    assert enf.check("read", SYSTEM_READER, {})
    assert not enf.check("read", MEMBER, {"user_id": "someone-else"})
    assert enf.check("read", MEMBER, {"user_id": "u1"})
    assert enf.check("domain", DOMAIN_READER, {"domain_id": "d1"})
    assert not enf.check("domain", DOMAIN_READER, {"domain_id": "d2"})
    # A project-scoped token is no domain reader, even in its project's domain (as Keystone).
    assert not enf.check("domain", MEMBER, {"domain_id": "d1"})
    assert not enf.check("never", SYSTEM_READER, {})
    assert enf.check("not_member", SYSTEM_READER, {})
    assert not enf.check("not_member", MEMBER, {})


def test_missing_target_attribute_never_matches() -> None:
    assert not enforcer().check("owner", MEMBER, {})
    assert not enforcer().check("owner", RequestContext(), {})


def test_enforce_raises_forbidden_naming_the_rule() -> None:
    with pytest.raises(Forbidden, match="admin"):
        enforcer().enforce("admin", MEMBER)


def test_override_replaces_a_default(tmp_path) -> None:  # noqa: ANN001 - pytest fixture
    path = tmp_path / "policy.yaml"
    path.write_text('"admin": "role:member"\n')
    enf = enforcer(**load_overrides(path))
    assert enf.check("admin", MEMBER, {})


@pytest.mark.parametrize("bad", ["role:admin or", "(role:admin", "user_id:u1", "frobnicate:x"])
def test_malformed_rules_are_refused_at_load(bad: str) -> None:
    with pytest.raises(ValueError):
        Enforcer([Rule("bad", bad)])


def test_unknown_rule_name_is_an_error_not_a_pass() -> None:
    with pytest.raises(LookupError):
        enforcer().check("no-such-rule", SYSTEM_READER, {})
