"""The object server's handlers: one module per kind of resource, each a table of
``method -> coroutine(SwiftRequest) -> Response``."""
