"""Compute: v2.1 with microversions (Nova) and vNext (seed 001)."""
