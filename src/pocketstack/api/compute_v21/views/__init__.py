"""Compute v2.1 views: canonical objects rendered as Nova shapes for a microversion."""
