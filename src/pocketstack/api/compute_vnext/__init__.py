"""Compute vNext (seed 001) at ``/compute/vnext``: a second view of the compute core that also
serves Compute v2.1. See docs/compute-vnext.md."""
