"""The fake driver: N simulated hosts, servers that exist only as rows, every action taking
``delay`` seconds. It has every capability but remote consoles, so clients can be tested
against the whole API; faults are injected by the conductor (see core/compute/faults.py)."""

from __future__ import annotations

import time
from typing import Any

from pocketstack.drivers.base import GuestSpec, HostSpec, VifSpec

CAPABILITIES = frozenset(
    {
        "spawn",
        "destroy",
        "reboot",
        "power_off",
        "power_on",
        "pause",
        "unpause",
        "suspend",
        "resume",
        "rescue",
        "unrescue",
        "snapshot",
        "set_admin_password",
        "trigger_crash_dump",
        "live_migrate",
        "console_output",
        "diagnostics",
        "attach_interface",
    }
)


class FakeDriver:
    name = "fake"
    capabilities = CAPABILITIES
    plugs_vifs = False  # its guests are rows: spawn needs no ports (diagnostics still shows them)

    def __init__(
        self,
        hosts: int,
        vcpus: int,
        memory_mb: int,
        disk_gb: int,
        delay: float = 0.0,
        snapshot_delay: float = 0.0,
    ) -> None:
        self._hosts = [
            HostSpec(f"fake-host-{i}", f"192.168.100.{i}", vcpus, memory_mb, disk_gb)
            for i in range(1, hosts + 1)
        ]
        self.delay = delay
        self.snapshot_delay = snapshot_delay

    def hosts(self) -> list[HostSpec]:
        return list(self._hosts)

    def _work(self) -> None:
        if self.delay:
            time.sleep(self.delay)

    def spawn(self, guest: GuestSpec) -> None:
        self._work()

    destroy = power_off = power_on = pause = unpause = suspend = resume = spawn
    rescue = unrescue = trigger_crash_dump = spawn

    def snapshot(self, guest: GuestSpec) -> None:
        self._work()
        if self.snapshot_delay:
            time.sleep(self.snapshot_delay)

    def plug_vif(self, guest: GuestSpec, vif: VifSpec) -> None:
        self._work()

    unplug_vif = plug_vif

    def reboot(self, guest: GuestSpec, hard: bool) -> None:
        self._work()

    def set_admin_password(self, guest: GuestSpec, password: str) -> None:
        self._work()

    def live_migrate(self, guest: GuestSpec, dest: str) -> None:
        self._work()

    def console_output(self, guest: GuestSpec, length: int | None) -> str:
        lines = [
            f"[    0.000000] Linux version 6.1.0-pocketstack (fake driver) on {guest.host}",
            f"[    0.000000] Command line: root=/dev/vda1 console=ttyS0 hostname={guest.name}",
            f"[    0.420000] Memory: {guest.memory_mb * 1024}K available, {guest.vcpus} CPUs",
            "[    1.000000] cloud-init: datasource found, network up",
            f"{guest.name} login: ",
        ]
        log = "\n".join(lines) + "\n"
        if length is None:
            return log
        # As Nova's tail of a log: its last ``length`` newline-separated pieces (the empty one
        # after the final newline counts), so the answer splits into exactly ``length`` lines.
        return "\n".join(log.split("\n")[-length:]) if length else ""

    def diagnostics(self, guest: GuestSpec) -> dict[str, Any]:
        return {
            "state": "running",
            # Nova's diagnostics name only its own drivers (libvirt, xenapi, vmwareapi, ironic,
            # hyperv); like Nova's fake driver, this one reports itself as libvirt.
            "driver": "libvirt",
            "hypervisor": "fake",
            "hypervisor_os": "pocketstack",
            "uptime": 46664,
            "config_drive": False,
            "num_cpus": guest.vcpus,
            "num_nics": len(guest.vifs),
            "num_disks": 1,
            "cpu_details": [{"id": i, "time": 17300000000, "utilisation": 15} for i in range(guest.vcpus)],
            "nic_details": [
                {
                    "mac_address": vif.mac,
                    "rx_octets": 2070139,
                    "rx_errors": 0,
                    "rx_drop": 0,
                    "rx_packets": 26701,
                    "rx_rate": None,
                    "tx_octets": 140208,
                    "tx_errors": 0,
                    "tx_drop": 0,
                    "tx_packets": 662,
                    "tx_rate": None,
                }
                for vif in guest.vifs
            ],
            "disk_details": [
                {
                    "read_bytes": 262144,
                    "read_requests": 112,
                    "write_bytes": 5778432,
                    "write_requests": 488,
                    "errors_count": 1,
                }
            ],
            "memory_details": {"maximum": guest.memory_mb // 1024 or 1, "used": 0},
        }
