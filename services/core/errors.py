"""Domain errors raised by services.

Each carries a stable snake_case ``code`` the mobile app can switch on, and ``params`` for the
localised message. ``api.errors`` maps each class to an HTTP status in one table.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "domain_error"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        if code:
            self.code = code
        self.params = params
        super().__init__(self.code)


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a domain rule (422)."""

    code = "invalid_input"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class PayloadTooLarge(DomainError):
    """An upload bigger than the limit of what it is for (413)."""

    code = "payload_too_large"


class TooManyRequests(DomainError):
    code = "rate_limited"


class ServiceUnavailable(DomainError):
    """A dependency (vendor, database) is down; the client may retry."""

    code = "service_unavailable"
