"""Hosts, inventories, allocations, the placement DAG and the scheduler."""
