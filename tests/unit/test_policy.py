"""The policy language: atoms, boolean structure, rule references and overrides."""

from __future__ import annotations

import pytest

from pocketstack.core.compute.policies import COMPUTE_RULES
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Forbidden
from pocketstack.core.image.policies import IMAGE_RULES
from pocketstack.core.policy import ALL_SCOPES, PROJECT_SCOPE, Enforcer, Rule, load_overrides

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


# -- scope types ---------------------------------------------------------------------------------
SYSTEM_ADMIN = RequestContext(user_id="u4", system_scope="all", roles=frozenset({"admin", "reader"}))
DOMAIN_ADMIN = RequestContext(user_id="u5", domain_id="d1", roles=frozenset({"admin", "reader"}))
PROJECT_ADMIN = RequestContext(user_id="u6", project_id="p1", roles=frozenset({"admin", "reader"}))
UNSCOPED = RequestContext(user_id="u7")


def scoped_enforcer(**overrides: str) -> Enforcer:
    rules = [
        Rule("admin", "role:admin"),
        Rule("servers:list", "rule:admin or role:reader", scope_types=PROJECT_SCOPE),
        Rule("users:list", "rule:admin", scope_types=frozenset({"system", "domain"})),
        Rule("anyone", "@"),
    ]
    return Enforcer(rules, overrides)


def test_the_token_knows_its_scope() -> None:
    assert [c.scope for c in (SYSTEM_ADMIN, DOMAIN_ADMIN, PROJECT_ADMIN, UNSCOPED)] == [
        "system",
        "domain",
        "project",
        None,
    ]


def test_a_token_of_another_scope_is_refused_whatever_its_roles() -> None:
    enf = scoped_enforcer()
    assert enf.check("servers:list", PROJECT_ADMIN, {})
    assert enf.check("servers:list", MEMBER, {})
    for ctx in (SYSTEM_ADMIN, DOMAIN_ADMIN, UNSCOPED):
        assert not enf.check("servers:list", ctx, {})
    assert enf.check("users:list", SYSTEM_ADMIN, {}) and enf.check("users:list", DOMAIN_ADMIN, {})
    assert not enf.check("users:list", PROJECT_ADMIN, {})
    with pytest.raises(Forbidden, match="servers:list. It needs a project-scoped token; this one is system"):
        enf.enforce("servers:list", SYSTEM_ADMIN)
    with pytest.raises(Forbidden, match="domain or system-scoped token; this one is unscoped"):
        enf.enforce("users:list", UNSCOPED)


def test_a_rule_open_to_every_scope_takes_any_token_even_unscoped() -> None:
    enf = scoped_enforcer()
    for ctx in (SYSTEM_ADMIN, DOMAIN_ADMIN, PROJECT_ADMIN, UNSCOPED):
        assert enf.check("anyone", ctx, {}) and enf.check("admin", ctx, {}) == ("admin" in ctx.roles)


def test_only_the_enforced_rule_is_scope_checked_not_the_rules_it_names() -> None:
    enf = Enforcer([Rule("inner", "role:admin", scope_types=PROJECT_SCOPE), Rule("outer", "rule:inner")])
    assert enf.check("outer", SYSTEM_ADMIN, {})
    assert not enf.check("inner", SYSTEM_ADMIN, {})


def test_an_override_keeps_the_default_scope_types() -> None:
    enf = scoped_enforcer(**{"servers:list": "@", "new:rule": "role:admin"})
    assert enf.rules["servers:list"].scope_types == PROJECT_SCOPE
    assert not enf.check("servers:list", SYSTEM_ADMIN, {})
    assert enf.check("servers:list", UNSCOPED, {}) is False
    assert enf.rules["new:rule"].scope_types == ALL_SCOPES and enf.check("new:rule", SYSTEM_ADMIN, {})


@pytest.mark.parametrize("scopes", [frozenset(), frozenset({"galaxy"})])
def test_unknown_or_empty_scope_types_are_refused(scopes: frozenset[str]) -> None:
    with pytest.raises(ValueError, match="scope_types"):
        Rule("bad", "@", scope_types=scopes)


def test_every_compute_and_image_rule_that_guards_something_is_project_scoped() -> None:
    assert all(rule.scope_types == PROJECT_SCOPE for rule in COMPUTE_RULES)
    open_to_all = {r.name for r in IMAGE_RULES if r.scope_types == ALL_SCOPES}
    assert open_to_all == {"image:schemas:get", "image:info:get"}
    assert {r.check for r in IMAGE_RULES if r.name in open_to_all} == {"@"}
