"""Access rules of application credentials: a token from a credential with rules may call only
a matching (service type, path, method).

Rules belong to a user and are shared: a credential asking for a rule the user already has
reuses it. They outlive their credentials and can be deleted only once no credential uses
them. Paths match as keystonemiddleware matches them: ``*`` or ``{name}`` is one path segment,
``**`` any run of segments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import Forbidden, NotFound
from pocketstack.core.identity.common import new_id
from pocketstack.store.db import Database
from pocketstack.store.identity_delegation_models import AccessRule, ApplicationCredentialAccessRule

METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


@dataclass(frozen=True)
class AccessRuleSpec:
    """A rule asked for on credential creation: by ``id`` (an existing rule of the user) or
    by its service, path and method."""

    id: str | None = None
    service: str | None = None
    path: str | None = None
    method: str | None = None


def as_dict(rule: AccessRule) -> dict[str, str]:
    return {"id": rule.id, "service": rule.service, "path": rule.path, "method": rule.method}


def _not_found(rule_id: str) -> NotFound:
    return NotFound("access rule", rule_id, code="identity.access_rule.not_found")


def rules_of_credential(s: Session, cred_id: str) -> list[dict[str, str]] | None:
    """The credential's rules, or None when it has none (then it is not restricted by rules)."""
    stmt = (
        select(AccessRule)
        .join(
            ApplicationCredentialAccessRule, ApplicationCredentialAccessRule.access_rule_id == AccessRule.id
        )
        .where(ApplicationCredentialAccessRule.application_credential_id == cred_id)
        .order_by(AccessRule.service, AccessRule.path, AccessRule.method)
    )
    rules = [as_dict(r) for r in s.scalars(stmt)]
    return rules or None


def attach_rules(s: Session, user_id: str, cred_id: str, specs: Sequence[AccessRuleSpec]) -> None:
    """Give the new credential its rules, reusing the user's identical rules."""
    for spec in specs:
        rule = s.get(AccessRule, spec.id) if spec.id else None
        if spec.id and (rule is None or rule.user_id != user_id):
            if spec.service is None:
                raise _not_found(spec.id)
            rule = None
        if rule is None:
            rule = s.scalar(
                select(AccessRule).where(
                    AccessRule.user_id == user_id,
                    AccessRule.service == spec.service,
                    AccessRule.path == spec.path,
                    AccessRule.method == spec.method,
                )
            )
        if rule is None:
            taken = spec.id is not None and s.get(AccessRule, spec.id) is not None
            rule = AccessRule(
                id=new_id() if taken or not spec.id else spec.id,
                user_id=user_id,
                service=spec.service or "",
                path=spec.path or "",
                method=spec.method or "",
            )
            s.add(rule)
            s.flush()
        link = ApplicationCredentialAccessRule(application_credential_id=cred_id, access_rule_id=rule.id)
        if s.get(ApplicationCredentialAccessRule, (cred_id, rule.id)) is None:
            s.add(link)
    s.flush()


@lru_cache(maxsize=512)
def _path_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for token in re.finditer(r"\{[^}]*\}|\*\*|\*|[^{}*]+", pattern):
        text = token.group(0)
        if text == "**":
            parts.append(".*")
        elif text == "*" or text.startswith("{"):
            parts.append(r"[^/]+")
        else:
            parts.append(re.escape(text))
    return re.compile("^" + "".join(parts) + "$")


def allows(rules: Iterable[dict[str, str]], service: str, path: str, method: str) -> bool:
    """Whether any rule lets a token call ``method path`` on the service of type ``service``."""
    return any(
        r["service"] == service and r["method"] == method and _path_regex(r["path"]).match(path)
        for r in rules
    )


class AccessRuleService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(
        self, user_id: str, service: str | None = None, path: str | None = None, method: str | None = None
    ):
        stmt = select(AccessRule).where(AccessRule.user_id == user_id)
        for column, value in (
            (AccessRule.service, service),
            (AccessRule.path, path),
            (AccessRule.method, method),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        with self.db.read() as s:
            return list(s.scalars(stmt.order_by(AccessRule.service, AccessRule.path, AccessRule.method)))

    def get(self, user_id: str, rule_id: str) -> AccessRule:
        """Raises NotFound (also for another user's rule)."""
        with self.db.read() as s:
            rule = s.get(AccessRule, rule_id) if rule_id else None
            if rule is None or rule.user_id != user_id:
                raise _not_found(rule_id)
            return rule

    def delete(self, user_id: str, rule_id: str) -> None:
        """Raises NotFound, Forbidden while a credential uses the rule."""
        with self.db.transaction() as s:
            rule = s.get(AccessRule, rule_id) if rule_id else None
            if rule is None or rule.user_id != user_id:
                raise _not_found(rule_id)
            used = select(ApplicationCredentialAccessRule).where(
                ApplicationCredentialAccessRule.access_rule_id == rule_id
            )
            if s.scalar(used.limit(1)) is not None:
                raise Forbidden("May not delete access rule in use.", code="identity.access_rule.in_use")
            s.delete(rule)
