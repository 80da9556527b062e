"""Swift-compatible Object Storage v1, mounted at ``/object-store``."""
