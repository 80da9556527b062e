"""Network v2.0 (Neutron)."""
