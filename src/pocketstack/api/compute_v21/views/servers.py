"""Servers as Nova shows them, per microversion."""

from __future__ import annotations

import hashlib
from typing import Any

from pocketstack.api.common.responses import isotime
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.compute_v21.request import version
from pocketstack.api.compute_v21.version_ranges import gated_at
from pocketstack.api.compute_v21.versions import compute_root
from pocketstack.core.compute.nics import Attachment, version_of
from pocketstack.core.compute.server_queries import ROOT_DEVICE, PageFacts, progress_of, zone_of
from pocketstack.core.compute.states import status_of
from pocketstack.core.context import is_admin
from pocketstack.store.compute_models import Server


def links(req: ApiRequest, kind: str, ident: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{req.base_url}/{kind}/{ident}"},
        {"rel": "bookmark", "href": f"{compute_root(req.base_url)}/{kind}/{ident}"},
    ]


def host_id(server: Server) -> str:
    """Nova's opaque per-project host identifier."""
    if not server.host:
        return ""
    return hashlib.sha224((server.project_id + server.host).encode()).hexdigest()


def addresses(attachments: list[Attachment]) -> dict[str, list[dict[str, Any]]]:
    """By network name: each port's fixed addresses, each followed by its floating ones."""
    out: dict[str, list[dict[str, Any]]] = {}
    for a in attachments:
        entries = out.setdefault(a.network_name, [])
        for _subnet, fixed in a.fixed_ips:
            for address, kind in [(fixed, "fixed"), *((f, "floating") for f in a.floating.get(fixed, []))]:
                entries.append(
                    {
                        "version": version_of(address),
                        "addr": address,
                        "OS-EXT-IPS:type": kind,
                        "OS-EXT-IPS-MAC:mac_addr": a.mac,
                    }
                )
    return out


def security_groups(attachments: list[Attachment]) -> list[dict[str, str]]:
    """The names of the groups of the server's ports, each once."""
    return [{"name": name} for name in dict.fromkeys(n for a in attachments for n in a.groups)]


def fault(server: Server, admin: bool) -> dict[str, Any] | None:
    if not server.fault or server.vm_state not in ("error", "deleted"):
        return None
    out = {
        "code": server.fault["code"],
        "message": server.fault["message"],
        "created": server.fault["created"],
    }
    if admin:
        out["details"] = server.fault.get("details", "")
    return out


# What Nova leaves out of the server in the answers of an update and of a rebuild before 2.75
# (its view with every extension off); from 2.75 they are the same as a show.
_NOT_IN_CHANGE_ANSWERS = (
    "OS-EXT-AZ:",
    "OS-EXT-SRV-ATTR:",
    "OS-EXT-STS:",
    "OS-SRV-USG:",
    "config_drive",
    "host_status",
    "key_name",
    "security_groups",
    "os-extended-volumes:",
    "server_groups",
)


def as_changed(body: dict[str, Any], version: tuple[int, int]) -> dict[str, Any]:
    """The server as the answer of an update or rebuild at ``version`` shows it."""
    if gated_at(version, "server.full_change_answer"):
        return body
    out = {k: v for k, v in body.items() if not k.startswith(_NOT_IN_CHANGE_ANSWERS)}
    out["addresses"] = {
        net: [{"version": a["version"], "addr": a["addr"]} for a in entries]
        for net, entries in body["addresses"].items()
    }
    return out


def as_rebuilt(server: Server, body: dict[str, Any], version: tuple[int, int]) -> dict[str, Any]:
    """The answer of a rebuild: as a change's, with ``key_name`` from 2.54 and ``user_data``
    from 2.57 (Nova's rebuild answer has had both since, at every later version); from 2.75 it
    is the full server less ``OS-EXT-SRV-ATTR:user_data`` (``user_data`` stands in for it)."""
    out = as_changed(body, version)
    out.pop("OS-EXT-SRV-ATTR:user_data", None)
    if gated_at(version, "server.rebuild.key_name"):
        out["key_name"] = server.key_name
    if gated_at(version, "server.rebuild.user_data"):
        out["user_data"] = server.user_data
    return out


# The image properties Nova's server view shows from 2.98: the standard ones (its image
# metadata object's fields) and their legacy names; any other property is left out.
_SHOWN_IMAGE_PROPERTY_NAMES = """
    hw_architecture hw_auto_disk_config hw_boot_menu hw_cdrom_bus hw_cpu_cores hw_cpu_max_cores
    hw_cpu_max_sockets hw_cpu_max_threads hw_cpu_policy hw_cpu_realtime_mask hw_cpu_sockets
    hw_cpu_thread_policy hw_cpu_threads hw_device_id hw_disk_bus hw_disk_type
    hw_emulation_architecture hw_ephemeral_encryption hw_ephemeral_encryption_secret_uuid
    hw_firmware_stateless hw_firmware_type hw_floppy_bus hw_input_bus hw_ipxe_boot hw_locked_memory
    hw_machine_type hw_maxphysaddr_bits hw_maxphysaddr_mode hw_mem_encryption
    hw_mem_encryption_model hw_mem_page_size hw_numa_cpus hw_numa_mem hw_numa_nodes
    hw_pci_numa_affinity_policy hw_pmu hw_pointer_model hw_qemu_guest_agent hw_redirected_usb_ports
    hw_rescue_bus hw_rescue_device hw_rng_model hw_scsi_model hw_serial_port_count hw_sound_model
    hw_time_hpet hw_tpm_model hw_tpm_version hw_usb_model hw_video_model hw_video_ram hw_vif_model
    hw_vif_multiqueue_enabled hw_viommu_model hw_virtio_packed_ring hw_vm_mode hw_watchdog_action
    img_bdm_v2 img_bittorrent img_cache_in_nova img_compression_level img_config_drive
    img_hide_hypervisor_id img_hv_requested_version img_hv_type img_linked_clone img_mappings
    img_owner_id img_root_device_name img_signature img_signature_certificate_uuid
    img_signature_hash_method img_signature_key_type img_use_agent img_version os_admin_user
    os_command_line os_distro os_require_quiesce os_secure_boot os_skip_agent_inject_files_at_boot
    os_skip_agent_inject_ssh os_type traits_required architecture owner_id vmware_disktype
    vmware_image_version vmware_ostype auto_disk_config ipxe_boot xenapi_device_id
    xenapi_image_compression_level vmware_linked_clone xenapi_use_agent xenapi_skip_agent_inject_ssh
    xenapi_skip_agent_inject_files_at_boot cache_in_nova vm_mode bittorrent mappings
    block_device_mapping bdm_v2 root_device_name hypervisor_version_requires hypervisor_type
"""
SHOWN_IMAGE_PROPERTIES = frozenset(_SHOWN_IMAGE_PROPERTY_NAMES.split())


def image_properties(server: Server) -> dict[str, str]:
    """2.98: the standard properties the server's image had when it was built or rebuilt."""
    recorded = server.image_properties or {}
    return {k: v for k, v in recorded.items() if k in SHOWN_IMAGE_PROPERTIES and v is not None}


def scheduler_hints(server: Server) -> dict[str, list[Any]]:
    """2.100: the hints given at create, each value as a list (Nova's request spec keeps them
    so). ``force_host`` is pocketstack's own record of an ``az:host`` request, not a hint."""
    hints = server.scheduler_hints or {}
    return {k: v if isinstance(v, list) else [v] for k, v in hints.items() if k != "force_host"}


def disk_config(server: Server) -> str:
    return "AUTO" if server.auto_disk_config else "MANUAL"


def summary(req: ApiRequest, server: Any) -> dict[str, Any]:
    """``server`` is anything with ``id`` and ``name`` (a light row will do)."""
    return {"id": server.id, "name": server.name, "links": links(req, "servers", server.id)}


class ServerView:
    """Renders servers for one request: what depends only on the request (version, caller's
    rights, URLs) is worked out once, not once per server of a page."""

    def __init__(self, req: ApiRequest, facts: PageFacts) -> None:
        self.facts = facts
        self.base = req.base_url
        self.root = compute_root(self.base)
        self.admin = is_admin(req.ctx)
        self.v = version(req)
        policy, ctx = req.cloud.policy, req.ctx
        self.extra_specs = policy.check("os_compute_api:os-flavor-extra-specs:index", ctx, {})
        self.host_status = gated_at(self.v, "server.host_status") and policy.check(
            "os_compute_api:servers:show:host_status", ctx, {}
        )

    def _links(self, kind: str, ident: str) -> list[dict[str, str]]:
        return [
            {"rel": "self", "href": f"{self.base}/{kind}/{ident}"},
            {"rel": "bookmark", "href": f"{self.root}/{kind}/{ident}"},
        ]

    def _flavor(self, server: Server) -> dict[str, Any]:
        f = server.flavor
        if not gated_at(self.v, "server.flavor_embedded"):
            return {"id": f["id"], "links": [{"rel": "bookmark", "href": f"{self.root}/flavors/{f['id']}"}]}
        out = {
            "vcpus": f["vcpus"],
            "ram": f["ram"],
            "disk": f["disk"],
            "ephemeral": f["ephemeral"],
            "swap": f["swap"],
            "original_name": f["name"],
        }
        if self.extra_specs:
            out["extra_specs"] = f.get("extra_specs") or {}
        return out

    def detail(self, server: Server, show_groups: bool = False) -> dict[str, Any]:
        v, admin, facts = self.v, self.admin, self.facts
        nics = facts.nics.get(server.id, [])
        status = status_of(server.vm_state, server.task_state)
        image: Any = ""
        if server.image_id:
            image = {
                "id": server.image_id,
                "links": [{"rel": "bookmark", "href": f"{self.root}/images/{server.image_id}"}],
            }
            if gated_at(v, "server.image_properties"):
                image["properties"] = image_properties(server)
        body: dict[str, Any] = {
            "id": server.id,
            "name": server.name,
            "status": status,
            "tenant_id": server.project_id,
            "user_id": server.user_id,
            "metadata": dict(server.metadata_ or {}),
            "hostId": host_id(server),
            "image": image,
            "flavor": self._flavor(server),
            "created": isotime(server.created_at, micros=False),
            "updated": isotime(server.updated_at, micros=False),
            "addresses": addresses(nics),
            "accessIPv4": server.access_ipv4 or "",
            "accessIPv6": server.access_ipv6 or "",
            "links": self._links("servers", server.id),
            "OS-DCF:diskConfig": disk_config(server),
            "OS-EXT-AZ:availability_zone": zone_of(server.host, server.requested_zone, facts.zones),
            "config_drive": server.config_drive,
            "key_name": server.key_name,
            "OS-SRV-USG:launched_at": isotime(server.launched_at),
            "OS-SRV-USG:terminated_at": isotime(server.terminated_at),
            "OS-EXT-STS:task_state": server.task_state,
            "OS-EXT-STS:vm_state": server.vm_state,
            "OS-EXT-STS:power_state": server.power_state,
            "os-extended-volumes:volumes_attached": [],
        }
        groups = security_groups(nics)
        if groups:  # as Nova: no key at all for a server in no group
            body["security_groups"] = groups
        progress = progress_of(server.vm_state, server.task_state)
        if progress is not None:
            body["progress"] = progress
        if admin:
            body["OS-EXT-SRV-ATTR:host"] = server.host
            body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.host
            body["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{server.id[:8]}"
            if gated_at(v, "server.extended_attributes"):
                body.update(
                    {
                        "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
                        "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
                        "OS-EXT-SRV-ATTR:kernel_id": "",
                        "OS-EXT-SRV-ATTR:ramdisk_id": "",
                        "OS-EXT-SRV-ATTR:root_device_name": ROOT_DEVICE,
                        "OS-EXT-SRV-ATTR:user_data": server.user_data,
                    }
                )
        if (admin and gated_at(v, "server.extended_attributes")) or gated_at(v, "server.hostname_for_all"):
            body["OS-EXT-SRV-ATTR:hostname"] = server.hostname
        fault_body = fault(server, admin)
        if fault_body:
            body["fault"] = fault_body
        if gated_at(v, "server.locked"):
            body["locked"] = server.locked
        if self.host_status:
            body["host_status"] = facts.host_status.get(server.host, "UNKNOWN") if server.host else ""
        if gated_at(v, "server.description"):
            body["description"] = server.description
        if gated_at(v, "server.tags"):
            body["tags"] = facts.tags.get(server.id, [])
        if gated_at(v, "server.trusted_image_certificates"):
            body["trusted_image_certificates"] = None
        if gated_at(v, "server.server_groups") and show_groups:
            body["server_groups"] = facts.groups.get(server.id, [])
        if gated_at(v, "server.locked_reason"):
            body["locked_reason"] = server.locked_reason
        if gated_at(v, "server.pinned_availability_zone"):
            body["pinned_availability_zone"] = server.requested_zone
        if gated_at(v, "server.scheduler_hints"):
            body["scheduler_hints"] = scheduler_hints(server)
        return body
