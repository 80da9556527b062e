"""The status page at ``/dashboard`` (docs/operator.md section 7): server-rendered HTML over the
core services, for a system-scoped admin, refreshed section by section by a little inline script."""
