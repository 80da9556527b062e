"""Identity v3 (Keystone)."""
