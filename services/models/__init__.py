"""SQLAlchemy models, one module per area; importing this package registers them all."""

from services.models.accounts import (
    ROLES,
    Account,
    Applicant,
    LoginSession,
    RefreshToken,
    staff_posts,
)
from services.models.alerts import (
    ALERT_LEVELS,
    ALERT_STATES,
    RESPONSE_STATUSES,
    Alert,
    AlertCountry,
    AlertDispatch,
    AlertResponse,
    AlertVersion,
)
from services.models.applications import (
    APPLICATION_STATES,
    DELIVERY_METHODS,
    Application,
    ApplicationCounter,
    ApplicationEvent,
    ApplicationRating,
)
from services.models.appointments import (
    ACTIVE_STATES,
    APPOINTMENT_STATES,
    Appointment,
    BookingBlock,
    BookingPolicy,
    Closure,
    ScheduleTemplate,
    Slot,
)
from services.models.audit import AuditLog
from services.models.catalogue import POST_KINDS, Fee, Post, ServiceType
from services.models.documents import DOCUMENT_KINDS, DOCUMENT_STATUSES, Document
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
from services.models.trips import CountryFollow, TopicSubscription, Trip

__all__ = [
    "ACTIVE_STATES",
    "APPOINTMENT_STATES",
    "Appointment",
    "BookingBlock",
    "BookingPolicy",
    "Closure",
    "ScheduleTemplate",
    "Slot",
    "APPLICATION_STATES",
    "DELIVERY_METHODS",
    "Application",
    "ApplicationCounter",
    "ApplicationEvent",
    "ApplicationRating",
    "ALERT_LEVELS",
    "ALERT_STATES",
    "RESPONSE_STATUSES",
    "Alert",
    "AlertCountry",
    "AlertDispatch",
    "AlertResponse",
    "AlertVersion",
    "CountryFollow",
    "TopicSubscription",
    "Trip",
    "DELIVERY_STATES",
    "NOTIFICATION_KINDS",
    "PLATFORMS",
    "Delivery",
    "DOCUMENT_KINDS",
    "DOCUMENT_STATUSES",
    "Document",
    "Device",
    "Notification",
    "NotificationSettings",
    "POST_KINDS",
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
