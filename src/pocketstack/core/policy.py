"""Declarative policy: named rules written in a small oslo.policy-like language.

A check string is built from ``role:NAME``, ``system_scope:all``, ``ATTR:%(target.path)s``
(where ATTR is the caller's ``user_id``, ``project_id``, ``project_domain_id``, or
``domain_id`` -- the domain of a domain-scoped token only, as in Keystone), ``rule:NAME``,
``@`` (always) and ``!`` (never), joined with ``and``, ``or``, ``not`` and parentheses.
Rules are parsed once; an override file (JSON or YAML mapping name -> check string) replaces
defaults by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketstack.core.context import RequestContext
from pocketstack.core.errors import Forbidden

Check = Callable[[RequestContext, Mapping[str, Any], "Enforcer"], bool]


@dataclass(frozen=True)
class Rule:
    name: str
    check: str
    description: str = ""


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
        return lambda ctx, target, enf: enf.check(value, ctx, target)
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


def parse_check(text: str) -> Check:
    return _Parser(text).parse()


class Enforcer:
    """Holds every rule by name; ``enforce`` raises Forbidden when a rule denies."""

    def __init__(self, rules: Iterable[Rule], overrides: Mapping[str, str] | None = None) -> None:
        self.rules = {rule.name: rule for rule in rules}
        for name, check in (overrides or {}).items():
            old = self.rules.get(name)
            self.rules[name] = Rule(name, check, old.description if old else "")
        self._compiled = {name: parse_check(rule.check) for name, rule in self.rules.items()}

    def check(self, name: str, ctx: RequestContext, target: Mapping[str, Any]) -> bool:
        try:
            compiled = self._compiled[name]
        except KeyError:
            raise LookupError(f"policy: no rule named {name!r}") from None
        return compiled(ctx, target, self)

    def enforce(self, name: str, ctx: RequestContext, target: Mapping[str, Any] | None = None) -> None:
        if not self.check(name, ctx, target or {}):
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
