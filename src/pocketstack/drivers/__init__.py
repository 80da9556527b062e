"""Hypervisor drivers: what actually runs a server on a host."""
