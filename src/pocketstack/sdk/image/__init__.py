"""Image v2 (Glance)."""
