"""Nova's instance usage audit log: per audit period (a calendar month, Nova's default
``instance_usage_audit_period``), which compute hosts ran the usage audit.

pocketstack sends no usage notifications, so no host ever runs that audit: every period lists
every compute host (disabled ones too, as Nova) as not run, with no instances and no errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pocketstack.core.placement.services import COMPUTE_BINARY, ServiceRegistry


@dataclass(frozen=True)
class AuditReport:
    period_beginning: datetime
    period_ending: datetime
    hosts: list[str]
    hosts_done: list[str]
    hosts_running: list[str]
    log: dict[str, dict[str, object]]
    total_instances: int = 0
    total_errors: int = 0

    @property
    def hosts_not_run(self) -> list[str]:
        return [h for h in self.hosts if h not in self.log]

    @property
    def overall_status(self) -> str:
        done = (
            "ALL"
            if len(self.hosts_done) == len(self.hosts)
            else f"{len(self.hosts_done)} of {len(self.hosts)}"
        )
        return f"{done} hosts done. {self.total_errors} errors."


def last_completed_period(before: datetime | None = None) -> tuple[datetime, datetime]:
    """The calendar month that ended last at or before ``before`` (default: now, UTC):
    ``(first day of it, first day of the next)``, naive UTC as Nova prints them."""
    now = before or datetime.now(UTC).replace(tzinfo=None)
    end = datetime(now.year, now.month, 1)
    if end >= now:
        end = _month_before(end)
    return _month_before(end), end


def _month_before(day: datetime) -> datetime:
    return datetime(day.year - 1, 12, 1) if day.month == 1 else datetime(day.year, day.month - 1, 1)


def audit_report(services: ServiceRegistry, before: datetime | None = None) -> AuditReport:
    begin, end = last_completed_period(before)
    hosts = sorted({svc.host for svc in services.services(binary=COMPUTE_BINARY)})
    return AuditReport(begin, end, hosts, hosts_done=[], hosts_running=[], log={})
