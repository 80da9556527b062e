"""The network services, built together: they share the database, the policy checks and quotas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pocketstack.core.network.access import Access
from pocketstack.core.network.address_scopes import AddressScopeService
from pocketstack.core.network.base import ResourceService
from pocketstack.core.network.networks import NetworkService
from pocketstack.core.network.ports import PortService
from pocketstack.core.network.quotas import NetworkQuotas
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

    def by_collection(self, collection: str) -> ResourceService:
        """The service of a collection name (``networks``, ``subnets``, ...)."""
        return {
            "networks": self.networks,
            "subnets": self.subnets,
            "ports": self.ports,
            "subnetpools": self.subnetpools,
            "address_scopes": self.address_scopes,
        }[collection]


def build_network_services(
    db: Database, policy: Enforcer, quota_overrides: Mapping[str, int] | None = None
) -> NetworkServices:
    access = Access(policy)
    quotas = NetworkQuotas(db, quota_overrides)
    return NetworkServices(
        networks=NetworkService(db, access, quotas),
        subnets=SubnetService(db, access, quotas),
        ports=PortService(db, access, quotas),
        subnetpools=SubnetPoolService(db, access, quotas),
        address_scopes=AddressScopeService(db, access, quotas),
        quotas=quotas,
    )
