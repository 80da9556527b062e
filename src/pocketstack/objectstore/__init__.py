"""Object data: immutable blob files in one directory (see blobs.py)."""
