"""Domain-specific configuration (/v3/domains/{id}/config), stored and served as Keystone does.

COMPAT: a group or option Keystone does not support, and an update that names other groups or
options than its path, are 403 ("Invalid domain specific configuration"); what is not in the
configuration is 404. Sensitive options are stored and never shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import Forbidden, NotFound
from pocketstack.core.identity import domain_config_options as opts
from pocketstack.core.identity.common import get_or_404
from pocketstack.store.db import Database
from pocketstack.store.identity_catalog_models import DomainConfigOption
from pocketstack.store.models import Domain

Config = dict[str, Any]


def _invalid(reason: str) -> Forbidden:
    return Forbidden(
        f"Invalid domain specific configuration: {reason}.", code="identity.domain_config.invalid"
    )


def _not_found(domain_id: str, group: str | None, option: str | None) -> NotFound:
    if option:
        what = f"option {option} in group {group}"
    elif group:
        what = f"group {group}"
    else:
        what = "any options"
    return NotFound(
        "domain config",
        domain_id,
        code="identity.domain_config.not_found",
        message=f"Could not find {what} in domain configuration for domain {domain_id}.",
    )


def check_group_and_option(group: str | None, option: str | None) -> None:
    if group and group not in opts.DEFAULTS:
        raise _invalid(f"Group {group} is not supported for domain specific configurations")
    if group and option and not opts.is_known(group, option):
        raise _invalid(
            f"Option {option} in group {group} is not supported for domain specific configurations"
        )


def check_config(config: Any) -> None:
    if not config or not isinstance(config, Mapping):
        raise _invalid("No options specified")
    for group, options in config.items():
        if not options or not isinstance(options, Mapping):
            raise _invalid(
                f"The value of group {group} specified in the config should be a dictionary of options"
            )
        for option in options:
            check_group_and_option(group, option)


def _shape(rows: list[DomainConfigOption], option: str | None) -> Config:
    if option:
        return {rows[0].option: json.loads(rows[0].value)}
    config: Config = {}
    for row in rows:
        config.setdefault(row.group, {})[row.option] = json.loads(row.value)
    return config


def _rows(
    s: Session, domain_id: str, group: str | None = None, option: str | None = None, *, shown: bool = True
) -> list[DomainConfigOption]:
    stmt = select(DomainConfigOption).where(DomainConfigOption.domain_id == domain_id)
    if group:
        stmt = stmt.where(DomainConfigOption.group == group)
    if option:
        stmt = stmt.where(DomainConfigOption.option == option)
    if shown:
        stmt = stmt.where(DomainConfigOption.sensitive.is_(False))
    return list(s.scalars(stmt.order_by(DomainConfigOption.group, DomainConfigOption.option)))


def _store(s: Session, domain_id: str, config: Mapping[str, Mapping[str, Any]]) -> None:
    for group, options in config.items():
        for option, value in options.items():
            s.merge(
                DomainConfigOption(
                    domain_id=domain_id,
                    group=group,
                    option=option,
                    value=json.dumps(value),
                    sensitive=opts.is_sensitive(group, option),
                )
            )


class DomainConfigService:
    """Every method opens its own transaction."""

    def __init__(self, db: Database, default_domain_id: str) -> None:
        self.db = db
        self.default_domain_id = default_domain_id

    def defaults(self, group: str | None = None, option: str | None = None) -> Config:
        """The defaults of the shown options. Raises Forbidden for an unknown group or option."""
        check_group_and_option(group, option)
        if group and option:
            if option not in opts.DEFAULTS[group]:
                raise _invalid(f"Reading the default for option {option} in group {group} is not supported")
            return {option: opts.DEFAULTS[group][option]}
        if group:
            return {group: dict(opts.DEFAULTS[group])}
        return {g: dict(values) for g, values in opts.DEFAULTS.items()}

    def get(self, domain_id: str, group: str | None = None, option: str | None = None) -> Config:
        """Raises NotFound (the domain, or nothing stored there), Forbidden (unknown group or
        option)."""
        if group == opts.SECURITY_COMPLIANCE:
            return self._security_compliance(domain_id, option)
        check_group_and_option(group, option)
        with self.db.read() as s:
            get_or_404(s, Domain, domain_id, "domain")
            rows = _rows(s, domain_id, group, option)
        if not rows:
            raise _not_found(domain_id, group, option)
        return _shape(rows, option)

    def _security_compliance(self, domain_id: str, option: str | None) -> Config:
        with self.db.read() as s:
            get_or_404(s, Domain, domain_id, "domain")
        if domain_id != self.default_domain_id:
            raise _invalid(
                "Reading security compliance information for any domain other than the default "
                "domain is not allowed or supported"
            )
        if option and option not in opts.SECURITY_COMPLIANCE_OPTIONS:
            raise _invalid(
                "Reading security compliance values other than password_regex and "
                "password_regex_description is not allowed"
            )
        # pocketstack has no password rules beyond a length limit: both are unset.
        if option:
            return {option: None}
        return {opts.SECURITY_COMPLIANCE: dict.fromkeys(opts.SECURITY_COMPLIANCE_OPTIONS)}

    def replace(self, domain_id: str, config: Any) -> tuple[Config, bool]:
        """Replace the whole configuration; also answers whether there was none before.
        Raises NotFound (domain), Forbidden (invalid configuration)."""
        check_config(config)
        with self.db.transaction() as s:
            get_or_404(s, Domain, domain_id, "domain")
            existed = bool(_rows(s, domain_id, shown=False))
            s.execute(delete(DomainConfigOption).where(DomainConfigOption.domain_id == domain_id))
            _store(s, domain_id, config)
            s.flush()
            return _shape(_rows(s, domain_id), None), not existed

    def update(
        self, domain_id: str, config: Any, group: str | None = None, option: str | None = None
    ) -> Config:
        """Merge ``config`` into the configuration; with a group (and option) in the path, only
        that group (option) may be named, and it must exist already. Raises NotFound, Forbidden."""
        if group and option:
            config = {group: config}
        check_config(config)
        check_group_and_option(group, option)
        if group:
            _check_update_names(config, group, option)
        with self.db.transaction() as s:
            get_or_404(s, Domain, domain_id, "domain")
            if group and not _rows(s, domain_id, group, option, shown=False):
                raise _not_found(domain_id, group, option)
            _store(s, domain_id, config)
            s.flush()
            rows = _rows(s, domain_id)
        if not rows:
            raise _not_found(domain_id, None, None)
        return _shape(rows, None)

    def delete(self, domain_id: str, group: str | None = None, option: str | None = None) -> None:
        """Delete the configuration, a group of it or one option. Raises NotFound, Forbidden."""
        check_group_and_option(group, option)
        with self.db.transaction() as s:
            get_or_404(s, Domain, domain_id, "domain")
            if group and not _rows(s, domain_id, group, option, shown=False):
                raise _not_found(domain_id, group, option)
            stmt = delete(DomainConfigOption).where(DomainConfigOption.domain_id == domain_id)
            if group:
                stmt = stmt.where(DomainConfigOption.group == group)
            if option:
                stmt = stmt.where(DomainConfigOption.option == option)
            s.execute(stmt)


def _check_update_names(config: Mapping[str, Any], group: str, option: str | None) -> None:
    if len(config) != 1 or (option and len(config.get(group) or {}) != 1):
        if option:
            raise _invalid(
                f"Trying to update option {option} in group {group}, so that, and only that, "
                "option must be specified  in the config"
            )
        raise _invalid(
            f"Trying to update group {group}, so that, and only that, group must be specified in the config"
        )
    if group not in config:
        other = next(iter(config))
        raise _invalid(f"request to update group {group}, but config provided contains group {other} instead")
    if option and option not in config[group]:
        other = next(iter(config[group]))
        raise _invalid(
            f"Trying to update option {option} in group {group}, but config provided contains "
            f"option {other} instead"
        )
