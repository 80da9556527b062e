"""Network v2.0 (Neutron): networks, subnets, ports, routers, floating IPs, security groups,
quotas and extensions."""
