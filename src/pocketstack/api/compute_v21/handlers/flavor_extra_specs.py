"""Compute v2.1 flavor extra specs (``/flavors/{id}/os-extra_specs``): free-form key/value
hints about a flavor, read by anyone who can see it and set by admins."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import parse
from pocketstack.api.compute_v21.handlers.flavors import is_admin
from pocketstack.api.compute_v21.request import body
from pocketstack.api.compute_v21.schemas import flavors as schemas
from pocketstack.api.compute_v21.version_ranges import gated
from pocketstack.core.errors import BadRequest, NotFound

P = "os_compute_api:os-flavor-extra-specs:"


# -- extra-spec values (2.86+) ------------------------------------------------------------
# Nova's registry of the extra specs it knows (nova/api/validation/extra_specs), as data:
# name pattern -> value rule. A rule is ("bool",), ("int", min, max), ("enum", *values),
# ("re", pattern) or ("str",). A key in one of Nova's namespaces that matches no pattern is
# refused; a key outside them is free.
_CPUS = r"\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"
_SHARES = ("enum", "custom", "high", "normal", "low")
_NON_NEGATIVE = ("int", 0, None)
_POSITIVE = ("int", 1, None)
_ANY_INT = ("int", None, None)
_GROUP = r"([a-zA-Z0-9_-]{1,64})?"


def _words(text: str) -> list[str]:
    return text.split()


_CAPABILITIES = _words(
    "id uuid service_id host vcpus memory_mb local_gb vcpus_used memory_mb_used local_gb_used "
    "hypervisor_type hypervisor_version hypervisor_hostname free_ram_mb free_disk_gb current_workload "
    "running_vms disk_available_least host_ip mapped cpu_allocation_ratio ram_allocation_ratio "
    "disk_allocation_ratio total_usable_ram_mb total_usable_disk_gb disk_mb_used free_disk_mb "
    "vcpus_total num_instances num_io_ops failed_builds aggregates cell_uuid updated"
)
_CAPABILITY_TREES = _words(
    "cpu_info metrics stats numa_topology supported_hv_specs pci_device_pools nodename pci_stats "
    "supported_instances limits instances"
)
_QUOTA_TUNING = {
    f"quota:{res}_{part}": rule
    for res in ("cpu", "memory", "disk_io", "vif")
    for part, rule in (
        ("limit", _NON_NEGATIVE),
        ("reservation", _ANY_INT),
        ("shares_level", _SHARES),
        ("shares_share", _NON_NEGATIVE),
    )
}
_QUOTA_LIBVIRT = _words(
    "cpu_shares cpu_period disk_read_bytes_sec disk_read_iops_sec disk_write_bytes_sec "
    "disk_write_iops_sec disk_total_bytes_sec disk_total_iops_sec vif_inbound_average vif_inbound_peak "
    "vif_inbound_burst vif_outbound_average vif_outbound_peak vif_outbound_burst"
)
_HW_BOOLS = _words(
    "cpu_realtime hide_hypervisor_id locked_memory boot_menu vif_multiqueue_enabled mem_encryption pmu "
    "virtio_packed_ring ephemeral_encryption"
)
_HW_COUNTS = "numa_nodes cpu_sockets cpu_cores cpu_threads cpu_max_sockets cpu_max_cores cpu_max_threads"
SPEC_RULES: dict[str, tuple[Any, ...]] = {
    **{f"hw:{k}": ("bool",) for k in _HW_BOOLS},
    **{f"hw:{k}": _POSITIVE for k in _words(_HW_COUNTS)},
    "hw:cpu_realtime_mask": ("re", r"(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"),
    "hw:cpu_dedicated_mask": ("re", _CPUS),
    "hw:cpu_policy": ("enum", "dedicated", "shared", "mixed"),
    "hw:cpu_thread_policy": ("enum", "prefer", "isolate", "require"),
    "hw:emulator_threads_policy": ("enum", "isolate", "share"),
    "hw:mem_page_size": ("re", r"(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)"),
    r"hw:numa_cpus\.\d+": ("re", _CPUS),
    r"hw:numa_mem\.\d+": _POSITIVE,
    "hw:pci_numa_affinity_policy": ("enum", "required", "preferred", "legacy", "socket"),
    "hw:mem_encryption_model": ("enum", "amd-sev", "amd-sev-es", "amd-sev-snp"),
    "hw:pmem": ("re", r"([a-zA-Z0-9_]+(,)?)+"),
    "hw:serial_port_count": _NON_NEGATIVE,
    "hw:tpm_model": ("enum", "tpm-tis", "tpm-crb"),
    "hw:tpm_version": ("enum", "1.2", "2.0"),
    "hw:tpm_secret_security": ("enum", "user", "host", "deployment"),
    "hw:watchdog_action": ("enum", "none", "pause", "poweroff", "reset", "disabled"),
    "hw:viommu_model": ("enum", "intel", "smmuv3", "virtio", "auto"),
    "hw:sound_model": ("enum", "sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "virtio"),
    "hw:usb_model": ("enum", "none", "nec-xhci", "qemu-xhci"),
    "hw:redirected_usb_ports": ("int", 0, 15),
    "hw:ephemeral_encryption_format": ("enum", "plain", "luks", "luksv2"),
    "hw_rng:allowed": ("bool",),
    "hw_rng:rate_bytes": _NON_NEGATIVE,
    "hw_rng:rate_period": _NON_NEGATIVE,
    "hw_video:ram_max_mb": _NON_NEGATIVE,
    "hide_hypervisor_id": ("bool",),
    "group_policy": ("enum", "isolate", "none"),
    "os:secure_boot": ("enum", "disabled", "required"),
    "pci_passthrough:alias": ("re", r"[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*"),
    **_QUOTA_TUNING,
    **{f"quota:{k}": _NON_NEGATIVE for k in _QUOTA_LIBVIRT},
    "quota:cpu_quota": _ANY_INT,
    "vmware:hw_version": ("str",),
    "vmware:storage_policy": ("str",),
    "accel:device_profile": ("str",),
    "aggregate_instance_extra_specs:.+": ("str",),
    **{f"capabilities:{k}": ("str",) for k in _CAPABILITIES},
    **{f"capabilities:{k}(:\\w+)*": ("str",) for k in _CAPABILITY_TREES},
    # COMPAT: Nova lists every standard resource class and trait (os-resource-classes,
    # os-traits); we accept any upper-case name there and check only the value.
    f"resources{_GROUP}:[A-Z0-9_]+": _ANY_INT,
    f"trait{_GROUP}:[A-Z0-9_]+": ("enum", "required", "forbidden"),
}
SPEC_NAMESPACES = re.compile(
    r"(hw|hw_rng|hw_video|os|pci_passthrough|quota|vmware|accel|aggregate_instance_extra_specs"
    rf"|capabilities|resources{_GROUP}|trait{_GROUP})"
)
_BOOL_WORDS = frozenset({"1", "t", "true", "on", "y", "yes", "0", "f", "false", "off", "n", "no"})


def _spec_rule(name: str) -> tuple[Any, ...] | None:
    if name in SPEC_RULES:
        return SPEC_RULES[name]
    return next((rule for pattern, rule in SPEC_RULES.items() if re.fullmatch(pattern, name)), None)


def check_extra_spec(name: str, value: str) -> str | None:
    """Why Nova (2.86+) refuses this extra spec, or None when it is acceptable."""
    rule = _spec_rule(name)
    if rule is None:
        if ":" in name and SPEC_NAMESPACES.fullmatch(name.split(":", 1)[0]):
            return f"Validation failed; extra spec '{name}' does not appear to be a valid extra spec."
        return None
    kind, *args = rule
    if kind == "bool" and value.strip().lower() not in _BOOL_WORDS:
        return f"Validation failed; '{value}' is not a valid boolean-like value."
    if kind == "enum" and value not in args:
        return f"Validation failed; '{value}' is not one of: {', '.join(args)}."
    if kind == "re" and not re.fullmatch(args[0], value):
        return f"Validation failed; '{value}' is not of the format '{args[0]}'."
    if kind == "int":
        try:
            number = int(value)
        except ValueError:
            return f"Validation failed; '{value}' is not a valid integer value."
        low, high = args
        if high is not None and number > high:
            return f"Validation failed; '{value}' is greater than the max value of '{high}'."
        if low is not None and number < low:
            return f"Validation failed; '{value}' is less than the min value of '{low}'."
    return None


def _check_values(req: ApiRequest, specs: dict[str, str]) -> None:
    """From 2.86, Nova checks the specs it knows (``hw:cpu_policy``, ``quota:*``, ...)."""
    if not gated(req, "flavor_extra_specs.checked_values"):
        return
    for name, value in specs.items():
        reason = check_extra_spec(name, value)
        if reason is not None:
            raise BadRequest(reason)


def _target(req: ApiRequest) -> dict[str, Any]:
    return {"project_id": req.ctx.project_id}


def list_extra_specs(req: ApiRequest) -> Response:
    req.enforce(_target(req))
    specs = req.cloud.flavors.extra_specs(req.params["flavor_id"], req.ctx.project_id, is_admin(req))
    return json_response({"extra_specs": specs})


def create_extra_specs(req: ApiRequest) -> Response:
    """Add or replace several specs. COMPAT: Nova answers 200 with the request body as sent
    (numbers stay numbers there, though they are stored, and later shown, as text)."""
    req.enforce()
    data = req.json()
    specs = body(req, schemas.CreateExtraSpecs, data).extra_specs
    _check_values(req, specs)
    req.cloud.flavors.update_extra_specs(req.params["flavor_id"], specs, req.ctx.project_id, is_admin(req))
    return json_response({"extra_specs": data["extra_specs"]})


def show_extra_spec(req: ApiRequest) -> Response:
    req.enforce(_target(req))
    flavor_id, key = req.params["flavor_id"], req.params["key"]
    specs = req.cloud.flavors.extra_specs(flavor_id, req.ctx.project_id, is_admin(req))
    if key not in specs:
        raise NotFound("extra spec", key, message=f"Flavor {flavor_id} has no extra specs with key {key}.")
    return json_response({key: specs[key]})


def update_extra_spec(req: ApiRequest) -> Response:
    """Set one spec: the body holds exactly the key named in the URL."""
    req.enforce()
    data = req.json()
    specs = parse(schemas.ExtraSpec, data).root
    _check_values(req, specs)
    if req.params["key"] not in specs:
        raise BadRequest("Request body and URI mismatch")
    req.cloud.flavors.update_extra_specs(req.params["flavor_id"], specs, req.ctx.project_id, is_admin(req))
    return json_response(data)


def delete_extra_spec(req: ApiRequest) -> Response:
    req.enforce()
    flavor_id, key = req.params["flavor_id"], req.params["key"]
    req.cloud.flavors.delete_extra_spec(flavor_id, key, req.ctx.project_id, is_admin(req))
    return empty_response(200)  # COMPAT: Nova's status, with an empty body


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/flavors/{flavor_id}/os-extra_specs", list_extra_specs, f"{P}index"),
    Endpoint("POST", "/flavors/{flavor_id}/os-extra_specs", create_extra_specs, f"{P}create"),
    Endpoint("GET", "/flavors/{flavor_id}/os-extra_specs/{key}", show_extra_spec, f"{P}show"),
    Endpoint("PUT", "/flavors/{flavor_id}/os-extra_specs/{key}", update_extra_spec, f"{P}update"),
    Endpoint("DELETE", "/flavors/{flavor_id}/os-extra_specs/{key}", delete_extra_spec, f"{P}delete"),
]
