"""The machinery of the newer APIs (Compute vNext, Operator): route rows that feed the router,
the JSON-Home root, ``/schemas`` and ``/openapi.json``; HAL ``_links``; ``limit``/``marker``
paging; the ``errors`` envelope. Each API brings its own table, title, version and rel prefix."""
