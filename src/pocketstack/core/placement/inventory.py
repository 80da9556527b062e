"""Start-up: the hosts a driver reports become resource providers (new ones join the default
placement), and the control services that os-services lists are recorded."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pocketstack.core.identity.common import utcnow
from pocketstack.core.placement.dag import DEFAULT_ZONE
from pocketstack.core.placement.scheduler import hosts_changed
from pocketstack.drivers.base import Driver
from pocketstack.store.compute_models import ControlService, Host, Placement, PlacementHost
from pocketstack.store.db import Database

CONTROL_HOST = "pocketstack"
CONTROL_BINARIES = ("nova-scheduler", "nova-conductor")
# Nova's initial allocation ratios.
CPU_RATIO, RAM_RATIO, DISK_RATIO = 4.0, 1.0, 1.0


def sync_hosts(db: Database, driver: Driver) -> None:
    """Idempotent; an inventory that changed in the settings is updated, allocations kept."""
    now = utcnow()
    with db.transaction() as s:
        hosts_changed(s)
        zone = s.scalar(select(Placement).where(Placement.name == DEFAULT_ZONE))
        known = {h.name: h for h in s.scalars(select(Host))}
        for spec in driver.hosts():
            host = known.get(spec.name)
            if host is None:
                if zone is None:
                    zone = Placement(id=str(uuid.uuid4()), name=DEFAULT_ZONE, description="", created_at=now)
                    s.add(zone)
                    s.flush()
                host = Host(
                    id=str(uuid.uuid4()),
                    name=spec.name,
                    driver=driver.name,
                    host_ip=spec.host_ip,
                    vcpus=spec.vcpus,
                    memory_mb=spec.memory_mb,
                    disk_gb=spec.disk_gb,
                    cpu_allocation_ratio=CPU_RATIO,
                    ram_allocation_ratio=RAM_RATIO,
                    disk_allocation_ratio=DISK_RATIO,
                    reserved_vcpus=0,
                    reserved_memory_mb=512,
                    reserved_disk_gb=0,
                    generation=0,
                    service_id=str(uuid.uuid4()),
                    enabled=True,
                    forced_down=False,
                    traits={"hypervisor_type": driver.name, "architecture": "x86_64"},
                    created_at=now,
                    updated_at=now,
                )
                s.add(host)
                s.flush()
                s.add(PlacementHost(placement_id=zone.id, host_id=host.id))
            if (host.vcpus, host.memory_mb, host.disk_gb) != (spec.vcpus, spec.memory_mb, spec.disk_gb):
                host.vcpus, host.memory_mb, host.disk_gb = spec.vcpus, spec.memory_mb, spec.disk_gb
                host.updated_at = now
        have = set(
            s.execute(select(ControlService.binary).where(ControlService.host == CONTROL_HOST)).scalars()
        )
        for binary in CONTROL_BINARIES:
            if binary not in have:
                s.add(ControlService(id=str(uuid.uuid4()), binary=binary, host=CONTROL_HOST, created_at=now))
