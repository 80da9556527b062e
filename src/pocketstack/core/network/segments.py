"""A network's segment: its type (``flat``, ``vlan``, ``vxlan``, ``geneve``, ``gre``, ``local``),
physical network and segmentation id, and the MTU that type allows. Project networks get a
``vxlan`` segment with a random free VNI; administrators may give provider attributes.

Two networks never share a segment: each has a ``segment_key`` under a unique index
(``vxlan:1001``, ``vlan:physnet1:100``, ``flat:public``), so a concurrent create that picked a
taken id fails its insert and is retried.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.core.errors import Conflict
from pocketstack.core.network.errors import invalid
from pocketstack.store.network_models import Network

TENANT_TYPE = "vxlan"
# Largest MTU per type: the physical 1500 less each overlay's encapsulation.
MAX_MTU = {"flat": 1500, "vlan": 1500, "local": 1500, "vxlan": 1450, "geneve": 1442, "gre": 1458}
TUNNEL_RANGE = {"vxlan": (1, 2**24 - 1), "geneve": (1, 2**24 - 1), "gre": (1, 2**32 - 1)}
VLAN_RANGE = (1, 4094)
MIN_MTU = 68


@dataclass(frozen=True)
class Segment:
    network_type: str
    physical_network: str | None
    segmentation_id: int | None

    @property
    def key(self) -> str:
        parts = [self.network_type, self.physical_network, self.segmentation_id]
        return ":".join(str(p) for p in parts if p is not None)

    @property
    def max_mtu(self) -> int:
        return MAX_MTU[self.network_type]


def _in_range(value: Any, bounds: tuple[int, int], what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise invalid(f"{what} {value} out of range ({bounds[0]} through {bounds[1]})")
    return value


def requested(attrs: Mapping[str, Any]) -> Segment | None:
    """The segment the provider attributes ask for, validated; None when none are given."""
    network_type = attrs.get("network_type")
    physnet = attrs.get("physical_network")
    seg_id = attrs.get("segmentation_id")
    if network_type is None:
        if physnet is not None or seg_id is not None:
            raise invalid("provider:network_type required")
        return None
    if network_type not in MAX_MTU:
        raise invalid(f"network_type value '{network_type}' not supported")
    if network_type in ("flat", "vlan") and not physnet:
        raise invalid(f"physical_network required for {network_type} provider network")
    if network_type not in ("flat", "vlan") and physnet:
        raise invalid(f"physical_network not allowed for {network_type} provider network")
    if network_type in ("flat", "local") and seg_id is not None:
        raise invalid(f"segmentation_id not allowed for {network_type} provider network")
    if network_type == "vlan":
        if seg_id is None:
            raise invalid("segmentation_id required for VLAN provider network")
        seg_id = _in_range(seg_id, VLAN_RANGE, "VLAN id")
    elif network_type in TUNNEL_RANGE and seg_id is not None:
        seg_id = _in_range(seg_id, TUNNEL_RANGE[network_type], f"{network_type} id")
    return Segment(network_type, physnet or None, seg_id)


def allocate(s: Session, wanted: Segment | None) -> Segment:
    """The segment to record: the one asked for (Conflict when taken), or a random free tunnel
    id of the type asked for (or of the project network type)."""
    if wanted is not None and (wanted.segmentation_id is not None or wanted.network_type not in TUNNEL_RANGE):
        if s.scalar(select(Network.id).where(Network.segment_key == wanted.key)) is not None:
            raise _taken(wanted)
        return wanted
    network_type = wanted.network_type if wanted else TENANT_TYPE
    low, high = TUNNEL_RANGE[network_type]
    for _ in range(16):
        candidate = Segment(network_type, None, low + secrets.randbelow(high - low + 1))
        if s.scalar(select(Network.id).where(Network.segment_key == candidate.key)) is None:
            return candidate
    raise Conflict("Unable to create the network. No tenant network is available for allocation.")


def _taken(segment: Segment) -> Conflict:
    if segment.network_type == "flat":
        what = f"Physical network {segment.physical_network} is in use"
    elif segment.network_type == "vlan":
        what = f"The VLAN {segment.segmentation_id} on physical network {segment.physical_network} is in use"
    elif segment.network_type == "local":
        what = "A local network exists already"
    else:
        what = f"The tunnel ID {segment.segmentation_id} is in use"
    return Conflict(f"Unable to create the network. {what}.", code="network.segment.in_use")


def check_mtu(mtu: Any, segment: Segment) -> int:
    """The MTU to keep: the type's largest when 0 or not given."""
    if mtu in (None, 0):
        return segment.max_mtu
    if isinstance(mtu, bool) or not isinstance(mtu, int) or mtu < MIN_MTU:
        raise invalid(f"MTU {mtu} is too small, minimum is {MIN_MTU}")
    if mtu > segment.max_mtu:
        raise invalid(f"Requested MTU is too big, maximum is {segment.max_mtu}")
    return mtu


def of(network: Network) -> Segment:
    return Segment(network.network_type, network.physical_network, network.segmentation_id)
