"""Compute v2.1 request schemas: pydantic wire models per microversion range."""
