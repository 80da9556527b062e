"""Object storage v1 (Swift)."""
