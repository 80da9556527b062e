"""Object storage's own errors (the rest come from core/errors.py). Swift answers them with
the status given here; S3 maps them to its own codes."""

from __future__ import annotations

from pocketstack.core.errors import PocketstackError


class PreconditionFailed(PocketstackError):
    """A condition of the request does not hold (If-Match, If-None-Match, a missing versions
    container ...)."""

    status = 412
    code = "objects.precondition_failed"


class Unprocessable(PocketstackError):
    """The data does not match what the request said of it (its ETag)."""

    status = 422
    code = "objects.object.etag_mismatch"

    def __init__(
        self, message: str = "Unprocessable Entity: etag mismatch", *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)


class RangeNotSatisfiable(PocketstackError):
    status = 416
    code = "objects.object.range_not_satisfiable"
