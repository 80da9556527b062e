"""Address arithmetic of the network core, and the settings of the public network."""

from __future__ import annotations

import ipaddress

import pytest

from pocketstack.core.errors import BadRequest, Conflict
from pocketstack.core.network import ipam
from pocketstack.core.network.quotas import parse_defaults
from pocketstack.core.network.seed import public_subnet_plan


def net(cidr: str) -> ipam.Net:
    return ipaddress.ip_network(cidr)


def test_default_pools_leave_out_gateway_network_and_broadcast() -> None:
    v4 = net("10.0.0.0/24")
    assert ipam.pools_json(4, ipam.default_pools(v4, ipaddress.ip_address("10.0.0.1"))) == [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    middle = ipam.default_pools(v4, ipaddress.ip_address("10.0.0.100"))
    assert ipam.pools_json(4, middle) == [
        {"start": "10.0.0.1", "end": "10.0.0.99"},
        {"start": "10.0.0.101", "end": "10.0.0.254"},
    ]
    v6 = ipam.default_pools(net("2001:db8::/64"), None)
    assert ipam.pools_json(6, v6) == [{"start": "2001:db8::1", "end": "2001:db8::ffff:ffff:ffff:ffff"}]


def test_pool_checks() -> None:
    v4, gateway = net("10.0.0.0/24"), ipaddress.ip_address("10.0.0.1")
    with pytest.raises(BadRequest):
        ipam.check_pools(v4, [{"start": "10.0.0.0", "end": "10.0.0.5"}], gateway)  # the network address
    with pytest.raises(Conflict):
        ipam.check_pools(v4, [{"start": "10.0.0.1", "end": "10.0.0.5"}], gateway)
    with pytest.raises(BadRequest):
        ipam.check_pools(v4, [{"start": "10.0.0.9"}], gateway)
    pools = [{"start": "10.0.0.50", "end": "10.0.0.60"}, {"start": "10.0.0.2", "end": "10.0.0.9"}]
    assert ipam.check_pools(v4, pools, gateway)[0][0] == int(ipaddress.ip_address("10.0.0.2"))


def test_first_free_and_free_prefix() -> None:
    pools = [(10, 12), (20, 21)]
    assert ipam.first_free(pools, {10, 11}) == 12
    assert ipam.first_free(pools, {10, 11, 12}) == 20
    assert ipam.first_free(pools, {10, 11, 12, 20, 21}) is None
    within = [net("10.0.0.0/16")]
    taken = [net("10.0.0.0/24"), net("10.0.1.0/25"), net("10.0.4.0/22")]
    assert ipam.free_prefix(within, taken, 24) == net("10.0.2.0/24")
    assert ipam.free_prefix(within, taken, 22) == net("10.0.8.0/22")
    assert ipam.free_prefix(within, [net("10.0.0.0/16")], 24) is None
    assert ipam.free_prefix(within, [], 8) is None  # larger than the pool prefix


def test_eui64() -> None:
    address = ipam.eui64(net("2001:db8:1::/64"), "fa:16:3e:01:02:03")
    assert str(address) == "2001:db8:1:0:f816:3eff:fe01:203"


def test_cidrs_must_have_no_host_bits() -> None:
    assert ipam.parse_cidr("10.1.0.0/16") == net("10.1.0.0/16")
    for bad in ("10.1.0.1/16", "10.1.0.0", "nonsense/8", None):
        with pytest.raises(BadRequest):
            ipam.parse_cidr(bad)


def test_public_network_settings() -> None:
    network, gateway, pools = public_subnet_plan("172.24.4.0/24", "")
    assert (str(network), str(gateway), pools) == (
        "172.24.4.0/24",
        "172.24.4.1",
        [{"start": "172.24.4.2", "end": "172.24.4.254"}],
    )
    assert public_subnet_plan("192.0.2.0/24", "192.0.2.100-192.0.2.150")[2] == [
        {"start": "192.0.2.100", "end": "192.0.2.150"}
    ]
    for cidr, pool in (
        ("172.24.4.0/33", ""),
        ("172.24.4.0/24", "172.24.5.1-172.24.5.9"),
        ("192.0.2.0/24", "x"),
    ):
        with pytest.raises(ValueError, match="public_network"):
            public_subnet_plan(cidr, pool)


def test_network_quota_defaults_setting() -> None:
    assert parse_defaults("port=1000, network=-1") == {"port": 1000, "network": -1}
    for bad in ("ports=1", "port", "port=many", "port=-5"):
        with pytest.raises(ValueError, match="network_quota_defaults"):
            parse_defaults(bad)
