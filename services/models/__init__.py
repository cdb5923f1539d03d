"""SQLAlchemy models, one module per area; importing this package registers them all."""

from services.models.accounts import (
    ROLES,
    Account,
    Applicant,
    LoginSession,
    RefreshToken,
    staff_posts,
)
from services.models.audit import AuditLog
from services.models.catalogue import POST_KINDS, Fee, Post, ServiceType
from services.models.idempotency import IdempotencyRecord

__all__ = [
    "POST_KINDS",
    "ROLES",
    "Account",
    "Applicant",
    "AuditLog",
    "Fee",
    "IdempotencyRecord",
    "LoginSession",
    "Post",
    "RefreshToken",
    "ServiceType",
    "staff_posts",
]
