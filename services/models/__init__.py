"""SQLAlchemy models, one module per area; importing this package registers them all."""

from services.models.accounts import (
    ROLES,
    Account,
    Applicant,
    LoginSession,
    RefreshToken,
    staff_posts,
)
from services.models.applications import (
    APPLICATION_STATES,
    DELIVERY_METHODS,
    Application,
    ApplicationCounter,
    ApplicationEvent,
    ApplicationRating,
)
from services.models.audit import AuditLog
from services.models.catalogue import POST_KINDS, Fee, Post, ServiceType
from services.models.idempotency import IdempotencyRecord
from services.models.legalizations import (
    DOCUMENT_TYPES,
    LEGALIZATION_STATUSES,
    SUBMITTER_KINDS,
    Legalization,
)
from services.models.notifications import (
    DELIVERY_STATES,
    NOTIFICATION_KINDS,
    PLATFORMS,
    Delivery,
    Device,
    Notification,
    NotificationSettings,
)
from services.models.payments import (
    OPEN_PAYMENT_STATUSES,
    PAYMENT_STATUSES,
    REFUND_STATUSES,
    Payment,
    PaymentCustomer,
    PaymentRefund,
    PaymentWebhookEvent,
)

__all__ = [
    "APPLICATION_STATES",
    "DELIVERY_METHODS",
    "Application",
    "ApplicationCounter",
    "ApplicationEvent",
    "ApplicationRating",
    "DELIVERY_STATES",
    "NOTIFICATION_KINDS",
    "PLATFORMS",
    "Delivery",
    "Device",
    "Notification",
    "NotificationSettings",
    "OPEN_PAYMENT_STATUSES",
    "PAYMENT_STATUSES",
    "POST_KINDS",
    "REFUND_STATUSES",
    "Payment",
    "PaymentCustomer",
    "PaymentRefund",
    "PaymentWebhookEvent",
    "ROLES",
    "Account",
    "Applicant",
    "AuditLog",
    "Fee",
    "IdempotencyRecord",
    "DOCUMENT_TYPES",
    "LEGALIZATION_STATUSES",
    "SUBMITTER_KINDS",
    "Legalization",
    "LoginSession",
    "Post",
    "RefreshToken",
    "ServiceType",
    "staff_posts",
]
