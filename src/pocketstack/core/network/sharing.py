"""Who else may use a network, kept as Neutron keeps it: RBAC policies.

``shared: true`` on a network *is* its ``*`` access_as_shared policy (the ``shared`` column
mirrors that policy and is written with it, in one transaction); ``router:external: true`` set
through the network API comes with a ``*`` access_as_external policy. A policy naming one
project opens the network to that project alone: access_as_shared lets it create ports there,
access_as_external makes the network external (``router:external`` is then true for all who
see it, as in Neutron). Taking access away is refused while the project still has ports that
depend on it.
"""

from __future__ import annotations

from sqlalchemy import delete, not_, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import Conflict
from pocketstack.core.network.common import new_id
from pocketstack.store.network_models import Network, Port, Subnet
from pocketstack.store.network_security_models import RbacPolicy

SHARED = "access_as_shared"
EXTERNAL = "access_as_external"
EVERYONE = "*"
# Object type -> the actions its policies may grant.
ACTIONS = {"network": (EXTERNAL, SHARED)}
TRUSTED_OWNER = "network:"  # device owners of the cloud's own ports (router interfaces, DHCP)


def add(s: Session, network: Network, action: str, target: str, project_id: str | None = None) -> RbacPolicy:
    """A new policy on ``network``, owned by ``project_id`` (the network's project by default)."""
    policy = RbacPolicy(
        id=new_id(),
        project_id=project_id or network.project_id,
        object_type="network",
        object_id=network.id,
        action=action,
        target_project=target,
    )
    s.add(policy)
    return policy


def find(s: Session, network_id: str, action: str, target: str) -> RbacPolicy | None:
    return s.scalar(
        select(RbacPolicy).where(
            RbacPolicy.object_type == "network",
            RbacPolicy.object_id == network_id,
            RbacPolicy.action == action,
            RbacPolicy.target_project == target,
        )
    )


def targets(s: Session, network_id: str, action: str) -> set[str]:
    stmt = select(RbacPolicy.target_project).where(
        RbacPolicy.object_type == "network", RbacPolicy.object_id == network_id, RbacPolicy.action == action
    )
    return set(s.scalars(stmt))


def open_new(s: Session, network: Network) -> None:
    """The ``*`` policies of a network just made shared and/or external."""
    if network.shared:
        add(s, network, SHARED, EVERYONE)
    if network.external:
        add(s, network, EXTERNAL, EVERYONE)


def set_shared(s: Session, network: Network, shared: bool) -> None:
    """``shared`` changed through the network API: add or remove the ``*`` policy. Unsharing is
    a 409 InvalidSharedSetting while another project uses the network without a policy of its
    own."""
    if shared == network.shared:
        return
    wildcard = find(s, network.id, SHARED, EVERYONE)
    if shared and wildcard is None:
        add(s, network, SHARED, EVERYONE)
    elif not shared:
        check_unshare(s, network)
        if wildcard is not None:
            s.delete(wildcard)
    network.shared = shared


def set_external(s: Session, network: Network, external: bool) -> None:
    """``router:external`` changed through the network API: made external for everyone (a ``*``
    policy), or no longer external for anyone (every access_as_external policy goes)."""
    if external == network.external:
        return
    if external:
        if find(s, network.id, EXTERNAL, EVERYONE) is None:
            add(s, network, EXTERNAL, EVERYONE)
    else:
        s.execute(
            delete(RbacPolicy).where(
                RbacPolicy.object_type == "network",
                RbacPolicy.object_id == network.id,
                RbacPolicy.action == EXTERNAL,
            )
        )
        network.is_default = False
    network.external = external


def forget(s: Session, network_id: str) -> None:
    """Drop the policies of a network being deleted."""
    s.execute(
        delete(RbacPolicy).where(RbacPolicy.object_type == "network", RbacPolicy.object_id == network_id)
    )


def shared_in_use(network: Network) -> Conflict:
    # COMPAT: Neutron's InvalidSharedSetting wording.
    return Conflict(
        f"Unable to reconfigure sharing settings for network {network.id}. Multiple projects are using it.",
        code="network.network.shared_in_use",
    )


def _users(s: Session, network: Network, allowed: set[str]) -> set[str]:
    """Projects other than ``allowed`` with ports (the cloud's own excepted) or subnets here."""
    ports = select(Port.project_id).where(
        Port.network_id == network.id,
        Port.project_id.not_in(allowed),
        not_(Port.device_owner.startswith(TRUSTED_OWNER)),
    )
    subnets = select(Subnet.project_id).where(
        Subnet.network_id == network.id, Subnet.project_id.not_in(allowed)
    )
    return set(s.scalars(ports.distinct())) | set(s.scalars(subnets.distinct()))


def check_unshare(s: Session, network: Network) -> None:
    """Neutron's check before ``shared`` goes false: every other project using the network must
    have a policy of its own."""
    allowed = (targets(s, network.id, SHARED) - {EVERYONE}) | {network.project_id}
    if _users(s, network, allowed):
        raise shared_in_use(network)


def check_unused(s: Session, network: Network, target: str) -> None:
    """Before an access_as_shared policy for ``target`` goes (deleted or retargeted): no project
    may lose access its ports depend on (Neutron's ensure_no_project_ports_on_network)."""
    if target == network.project_id:
        return
    if target != EVERYONE:
        if find(s, network.id, SHARED, EVERYONE) is not None:
            return  # the network stays shared with everyone
        ports = select(Port.id).where(Port.network_id == network.id, Port.project_id == target)
        if s.scalar(ports.limit(1)) is not None:
            raise shared_in_use(network)
        return
    allowed = (targets(s, network.id, SHARED) - {EVERYONE}) | {network.project_id, ""}
    ports = select(Port.id).where(Port.network_id == network.id, Port.project_id.not_in(allowed))
    if s.scalar(ports.limit(1)) is not None:
        raise shared_in_use(network)
