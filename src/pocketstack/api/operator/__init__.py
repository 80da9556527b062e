"""The Operator API (``/operator``): hosts, placements, fault injection, token keys and tasks
across the cloud, for a system-scoped admin (docs/operator.md)."""
