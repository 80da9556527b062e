"""The network services, built together: they share the database, the policy checks and quotas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pocketstack.core.network.access import Access
from pocketstack.core.network.address_scopes import AddressScopeService
from pocketstack.core.network.auto_topology import AutoTopology
from pocketstack.core.network.base import ResourceService
from pocketstack.core.network.floating_ips import FloatingIPService
from pocketstack.core.network.networks import NetworkService
from pocketstack.core.network.port_forwardings import PortForwardingService
from pocketstack.core.network.ports import PortService
from pocketstack.core.network.quotas import NetworkQuotas
from pocketstack.core.network.rbac import RbacPolicyService
from pocketstack.core.network.routers import RouterService
from pocketstack.core.network.security_group_rules import SecurityGroupRuleService
from pocketstack.core.network.security_groups import SecurityGroupService
from pocketstack.core.network.subnetpools import SubnetPoolService
from pocketstack.core.network.subnets import SubnetService
from pocketstack.core.policy import Enforcer
from pocketstack.store.db import Database


@dataclass(frozen=True)
class NetworkServices:
    networks: NetworkService
    subnets: SubnetService
    ports: PortService
    subnetpools: SubnetPoolService
    address_scopes: AddressScopeService
    quotas: NetworkQuotas
    routers: RouterService
    floating_ips: FloatingIPService
    port_forwardings: PortForwardingService
    security_groups: SecurityGroupService
    security_group_rules: SecurityGroupRuleService
    rbac_policies: RbacPolicyService
    auto_topology: AutoTopology

    def by_collection(self, collection: str) -> ResourceService:
        """The service of a collection name (``networks``, ``subnets``, ...)."""
        return {
            "networks": self.networks,
            "subnets": self.subnets,
            "ports": self.ports,
            "subnetpools": self.subnetpools,
            "address_scopes": self.address_scopes,
            "routers": self.routers,
            "floatingips": self.floating_ips,
            "security_groups": self.security_groups,
            "security_group_rules": self.security_group_rules,
            "rbac_policies": self.rbac_policies,
        }[collection]


def build_network_services(
    db: Database,
    policy: Enforcer,
    quota_overrides: Mapping[str, int] | None = None,
    auto_cidr: str = "10.0.0.0/16",
) -> NetworkServices:
    access = Access(policy)
    quotas = NetworkQuotas(db, quota_overrides)
    security_groups = SecurityGroupService(db, access, quotas)
    networks, subnets = NetworkService(db, access, quotas), SubnetService(db, access, quotas)
    routers = RouterService(db, access, quotas)
    return NetworkServices(
        networks=networks,
        subnets=subnets,
        ports=PortService(db, access, quotas),
        subnetpools=SubnetPoolService(db, access, quotas),
        address_scopes=AddressScopeService(db, access, quotas),
        quotas=quotas,
        routers=routers,
        floating_ips=FloatingIPService(db, access, quotas),
        port_forwardings=PortForwardingService(db, access),
        security_groups=security_groups,
        security_group_rules=SecurityGroupRuleService(security_groups),
        rbac_policies=RbacPolicyService(db, access, quotas),
        auto_topology=AutoTopology(db, networks, subnets, routers, auto_cidr),
    )
