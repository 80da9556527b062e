"""Image v2 (Glance): images, their data and members."""
