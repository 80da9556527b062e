"""Compute v2.1 handlers, one module per resource."""
