"""The one error tree. Front ends map each class to a status and their own envelope.

Every error carries a stable dotted ``code`` ("identity.user.not_found") and a message that is
safe to show to the caller.
"""

from __future__ import annotations


class PocketstackError(Exception):
    status = 500
    code = "internal"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(PocketstackError):
    status = 400
    code = "request.invalid"


class Unauthorized(PocketstackError):
    status = 401
    code = "auth.unauthorized"

    def __init__(
        self,
        message: str = "The request you have made requires authentication.",
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)


class Forbidden(PocketstackError):
    status = 403
    code = "policy.forbidden"


class QuotaExceeded(Forbidden):
    code = "quota.exceeded"


class NotFound(PocketstackError):
    status = 404
    code = "resource.not_found"

    def __init__(self, kind: str, ident: str, *, code: str | None = None, message: str | None = None) -> None:
        super().__init__(message or f"Could not find {kind}: {ident}.", code=code)
        self.kind = kind
        self.ident = ident


class MethodNotAllowed(PocketstackError):
    status = 405
    code = "request.method_not_allowed"


class Conflict(PocketstackError):
    status = 409
    code = "resource.conflict"


class NotAcceptable(PocketstackError):
    """A well-formed request for something this cloud does not offer, e.g. a microversion
    outside the announced range."""

    status = 406
    code = "request.version_not_acceptable"


class PayloadTooLarge(PocketstackError):
    status = 413
    code = "request.too_large"


class UnsupportedMediaType(PocketstackError):
    status = 415
    code = "request.unsupported_media_type"


class NotImplementedYet(PocketstackError):
    """A feature pocketstack does not provide (yet); the message names what is missing."""

    status = 501
    code = "not_implemented"
