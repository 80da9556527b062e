"""Network v2 plans for Neutron's core resources: networks, subnets and ports."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.network.v2._support import NetworkPlansBase
from pocketstack.sdk.network.v2.resources import Network, Port, Subnet
from pocketstack.sdk.plan import Call, Listing


class CorePlans(NetworkPlansBase):
    # -- networks ----------------------------------------------------------------------------

    def networks(self, /, **query: Any) -> Listing[Network]:
        """Every network the caller sees, page by page (``limit`` is the page size)."""
        return self._list(Network, query)

    def get_network(self, network: Network | str) -> Call[Network]:
        """The network (raises NotFound)."""
        return ops.get_resource(self.session, Network, network)

    def find_network(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[Network | None]:
        """The network of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Network, name_or_id, ignore_missing, query)

    def create_network(self, /, **attrs: Any) -> Call[Network]:
        """A new network."""
        return ops.create_resource(self.session, Network, **attrs)

    def update_network(
        self, network: Network | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[Network]:
        """Change the network; only the changed attributes are sent."""
        return self._update(Network, network, if_revision, attrs)

    def delete_network(
        self, network: Network | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the network (Conflict while ports are in use on it)."""
        return self._delete(Network, network, ignore_missing, if_revision)

    # -- subnets -----------------------------------------------------------------------------

    def subnets(self, /, **query: Any) -> Listing[Subnet]:
        """Every subnet the caller sees, page by page."""
        return self._list(Subnet, query)

    def get_subnet(self, subnet: Subnet | str) -> Call[Subnet]:
        """The subnet (raises NotFound)."""
        return ops.get_resource(self.session, Subnet, subnet)

    def find_subnet(
        self, name_or_id: str, /, ignore_missing: bool = True, **query: Any
    ) -> Call[Subnet | None]:
        """The subnet of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Subnet, name_or_id, ignore_missing, query)

    def create_subnet(self, /, **attrs: Any) -> Call[Subnet]:
        """A new subnet (BadRequest or Conflict when its CIDR is invalid or overlaps)."""
        return ops.create_resource(self.session, Subnet, **attrs)

    def update_subnet(
        self, subnet: Subnet | str, /, if_revision: int | None = None, **attrs: Any
    ) -> Call[Subnet]:
        """Change the subnet; only the changed attributes are sent."""
        return self._update(Subnet, subnet, if_revision, attrs)

    def delete_subnet(
        self, subnet: Subnet | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the subnet (Conflict while addresses of it are in use)."""
        return self._delete(Subnet, subnet, ignore_missing, if_revision)

    # -- ports -------------------------------------------------------------------------------

    def ports(self, /, **query: Any) -> Listing[Port]:
        """Every port the caller sees, page by page."""
        return self._list(Port, query)

    def get_port(self, port: Port | str) -> Call[Port]:
        """The port (raises NotFound)."""
        return ops.get_resource(self.session, Port, port)

    def find_port(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[Port | None]:
        """The port of this id or name (MultipleMatches when the name is not unique)."""
        return self._find(Port, name_or_id, ignore_missing, query)

    def create_port(self, /, **attrs: Any) -> Call[Port]:
        """A new port on ``network_id``."""
        return ops.create_resource(self.session, Port, **attrs)

    def create_ports(self, data: list[dict[str, Any]]) -> Call[list[Port]]:
        """Several ports in one request: all are made, or none."""
        return self._bulk(Port, data)

    def update_port(self, port: Port | str, /, if_revision: int | None = None, **attrs: Any) -> Call[Port]:
        """Change the port; only the changed attributes are sent."""
        return self._update(Port, port, if_revision, attrs)

    def delete_port(
        self, port: Port | str, ignore_missing: bool = True, if_revision: int | None = None
    ) -> Call[None]:
        """Delete the port (Conflict for a router's interface port)."""
        return self._delete(Port, port, ignore_missing, if_revision)


__all__ = ["CorePlans"]
