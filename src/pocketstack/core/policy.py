"""Declarative policy: named rules written in a small oslo.policy-like language.

A check string is built from ``role:NAME``, ``system_scope:all``, ``ATTR:%(target.path)s``
(where ATTR is the caller's ``user_id``, ``project_id``, ``project_domain_id``, or
``domain_id`` -- the domain of a domain-scoped token only, as in Keystone), ``rule:NAME``,
``@`` (always) and ``!`` (never), joined with ``and``, ``or``, ``not`` and parentheses.
Rules are parsed once; an override file (JSON or YAML mapping name -> check string) replaces
defaults by name.

A rule also names the token scopes it may be used with (``scope_types``: system, domain,
project), as oslo.policy does with scope enforcement on: a token of another scope is refused
before the check string is read, whatever roles it holds. Only the rule enforced is
scope-checked, not the rules it refers to with ``rule:``. An override replaces the check
string and keeps the default's scope types, as in oslo.policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pocketstack.core.context import SCOPES, RequestContext
from pocketstack.core.errors import Forbidden

Check = Callable[[RequestContext, Mapping[str, Any], "Enforcer"], bool]

ALL_SCOPES: frozenset[str] = frozenset(SCOPES)
PROJECT_SCOPE: frozenset[str] = frozenset({"project"})


@dataclass(frozen=True)
class Rule:
    """A named check. ``scope_types`` are the token scopes it may be used with; a rule open to
    every scope also accepts an unscoped token (the check string alone decides)."""

    name: str
    check: str
    description: str = ""
    scope_types: frozenset[str] = ALL_SCOPES

    def __post_init__(self) -> None:
        if not self.scope_types or not self.scope_types <= ALL_SCOPES:
            raise ValueError(f"policy: {self.name}: scope_types must be some of {sorted(ALL_SCOPES)}")

    def allows_scope(self, ctx: RequestContext) -> bool:
        return self.scope_types == ALL_SCOPES or ctx.scope in self.scope_types


_TOKEN = re.compile(r"\s*(\w+:%\([\w.]+\)s|\(|\)|[^\s()]+)")
_TARGET = re.compile(r"^%\((?P<path>[\w.]+)\)s$")


def _lookup(target: Mapping[str, Any], path: str) -> Any:
    value: Any = target
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _atom(token: str) -> Check:
    if token == "@":
        return lambda ctx, target, enf: True
    if token == "!":
        return lambda ctx, target, enf: False
    kind, _, value = token.partition(":")
    if kind == "role":
        return lambda ctx, target, enf: value in ctx.roles
    if kind == "rule":
        return lambda ctx, target, enf: enf.evaluate(value, ctx, target)
    if kind == "system_scope":
        return lambda ctx, target, enf: ctx.system_scope == value
    if kind in {
        "user_id",
        "project_id",
        "domain_id",
        "project_domain_id",
    }:  # the caller's attribute vs the target
        ref = _TARGET.match(value)
        if ref is None:
            raise ValueError(f"policy: {token!r} must compare with %(target.path)s")
        path = ref.group("path").removeprefix("target.")
        attr = kind

        def compare(ctx: RequestContext, target: Mapping[str, Any], enf: Enforcer) -> bool:
            mine = getattr(ctx, attr)
            return mine is not None and mine == _lookup(target, path)

        return compare
    raise ValueError(f"policy: unknown check {token!r}")


class _Parser:
    """Recursive descent: expr := term ('or' term)*; term := factor ('and' factor)*."""

    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.pos = 0

    def parse(self) -> Check:
        if not self.tokens:
            return _atom("@")
        check = self._expr()
        if self.pos != len(self.tokens):
            raise ValueError(f"policy: unexpected {self.tokens[self.pos]!r}")
        return check

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ValueError("policy: unexpected end of rule")
        self.pos += 1
        return token

    def _expr(self) -> Check:
        parts = [self._term()]
        while self._peek() == "or":
            self._take()
            parts.append(self._term())
        if len(parts) == 1:
            return parts[0]
        return lambda ctx, target, enf: any(p(ctx, target, enf) for p in parts)

    def _term(self) -> Check:
        parts = [self._factor()]
        while self._peek() == "and":
            self._take()
            parts.append(self._factor())
        if len(parts) == 1:
            return parts[0]
        return lambda ctx, target, enf: all(p(ctx, target, enf) for p in parts)

    def _factor(self) -> Check:
        token = self._take()
        if token == "not":
            inner = self._factor()
            return lambda ctx, target, enf: not inner(ctx, target, enf)
        if token == "(":
            inner = self._expr()
            if self._take() != ")":
                raise ValueError("policy: missing ')'")
            return inner
        return _atom(token)


@cache
def parse_check(text: str) -> Check:
    """A compiled check is a pure function of its text (the enforcer comes in as an argument),
    so each text is parsed once per process, not once per cloud built."""
    return _Parser(text).parse()


class Enforcer:
    """Holds every rule by name; ``enforce`` raises Forbidden when a rule denies."""

    def __init__(self, rules: Iterable[Rule], overrides: Mapping[str, str] | None = None) -> None:
        self.rules = {rule.name: rule for rule in rules}
        for name, check in (overrides or {}).items():
            old = self.rules.get(name)
            if old is None:
                self.rules[name] = Rule(name, check)
            else:
                self.rules[name] = Rule(name, check, old.description, old.scope_types)
        self._compiled = {name: parse_check(rule.check) for name, rule in self.rules.items()}

    def rule(self, name: str) -> Rule:
        try:
            return self.rules[name]
        except KeyError:
            raise LookupError(f"policy: no rule named {name!r}") from None

    def evaluate(self, name: str, ctx: RequestContext, target: Mapping[str, Any]) -> bool:
        """The rule's check string alone, without its scope types (what ``rule:NAME`` means)."""
        self.rule(name)
        return self._compiled[name](ctx, target, self)

    def check(self, name: str, ctx: RequestContext, target: Mapping[str, Any]) -> bool:
        """Whether the rule allows ``ctx`` on ``target``: scope first, then the check string."""
        return self.rule(name).allows_scope(ctx) and self.evaluate(name, ctx, target)

    def enforce(self, name: str, ctx: RequestContext, target: Mapping[str, Any] | None = None) -> None:
        """Forbidden unless the rule allows ``ctx`` on ``target``; the message names the rule
        and, for a token of the wrong scope, the scopes the rule accepts."""
        rule = self.rule(name)
        if not rule.allows_scope(ctx):
            wanted = " or ".join(sorted(rule.scope_types))
            raise Forbidden(
                f"You are not authorized to perform the requested action: {name}. "
                f"It needs a {wanted}-scoped token; this one is {ctx.scope or 'unscoped'}.",
                code="policy.invalid_scope",
            )
        if not self.evaluate(name, ctx, target or {}):
            raise Forbidden(
                f"You are not authorized to perform the requested action: {name}.",
                code="policy.forbidden",
            )


def load_overrides(path: Path | None) -> dict[str, str]:
    """Read an override file: JSON or YAML, a mapping of rule name to check string."""
    if path is None:
        return {}
    import yaml  # YAML is a superset of JSON, so one loader serves both

    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: a policy file maps rule names to check strings")
    return {str(k): v for k, v in data.items()}
