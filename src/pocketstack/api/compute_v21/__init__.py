"""Compute API v2.1 (Nova-compatible), with microversions, and the legacy v2 relaxed mode."""
