"""Compute v2.1 with microversions (Nova): servers, flavors, keypairs, server groups, limits,
hypervisors and availability zones."""
