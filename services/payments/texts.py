"""Texts of payments: notification templates and error messages.

``amount`` is given as ``Money`` and shown in the reader's locale by Babel ("60,00 €",
"4.000 ¥"). The English is marked for ``pybabel extract`` (``babel.cfg``) and translated by
the catalogues; ``services.wiring`` imports this module at start-up.
"""

from __future__ import annotations

from services.core.i18n import C_, error_text
from services.emails.templates import email_template
from services.notifications.templates import notification_template

PAYMENT_SUCCEEDED = "payment_succeeded"
PAYMENT_FAILED = "payment_failed"
PAYMENT_REFUNDING = "payment_refunding"
PAYMENT_REFUNDED = "payment_refunded"

error_text(
    "idempotency_key_reused", "This Idempotency-Key was already used with a different request."
)

error_text(
    "idempotency_key_invalid", "The Idempotency-Key header must be 1 to 255 visible characters."
)

error_text("payment_not_found", "No such payment.")

error_text(
    "payment_not_available", "This fee cannot be paid in the app. Please pay at the counter."
)

error_text("nothing_to_pay", "There is no fee to pay for this application.")

error_text("application_not_payable", "This application is closed and can no longer be paid.")

error_text("already_paid", "This application has already been paid.")

error_text(
    "payment_under_review",
    "A payment for this application is being checked by the post. Please wait for them to contact you.",
)

error_text(
    "payment_gateway_unavailable",
    "Payments are temporarily unavailable. Please try again in a moment.",
)

error_text("receipt_not_available", "There is no receipt until the payment has gone through.")

error_text("invalid_webhook_signature", "The webhook signature is missing, invalid or too old.")

error_text("payment_not_refundable", "Only a payment that went through can be refunded.")

error_text(
    "refund_exceeds_payment", "A refund cannot be more than what is left to refund (%(remaining)s)."
)

error_text("refund_amount_invalid", "This amount cannot be refunded in %(currency)s.")

error_text(
    "idempotency_key_required", "Send an Idempotency-Key header (a new unique key for each refund)."
)

error_text("simulation_not_possible", "The sandbox cannot move this payment that way now.")

notification_template(
    "payment_succeeded",
    C_("notification.payment_succeeded.title", "Payment received"),
    C_(
        "notification.payment_succeeded.body",
        "We received %(amount)s for application %(number)s. Your receipt is in the app.",
    ),
)

notification_template(
    "payment_failed",
    C_("notification.payment_failed.title", "Payment not completed"),
    C_(
        "notification.payment_failed.body",
        "The payment of %(amount)s for application %(number)s did not go through. You can try again in the app.",
    ),
)

notification_template(
    "payment_refunding",
    C_("notification.payment_refunding.title", "Your payment will be refunded"),
    C_(
        "notification.payment_refunding.body",
        "We received %(amount)s for application %(number)s, which can no longer be paid. The money is being refunded to you automatically.",
    ),
)

notification_template(
    "payment_refunded",
    C_("notification.payment_refunded.title", "Refund issued"),
    C_(
        "notification.payment_refunded.body",
        "%(amount)s for application %(number)s has been refunded to you.",
    ),
)


# --- e-mails (sent through services.emails' outbox) ---------------------------------------
PAYMENT_RECEIPT = "payment_receipt"

email_template(
    "payment_receipt",
    C_("email.payment_receipt.subject", "Receipt: %(amount)s for application %(number)s"),
    C_(
        "email.payment_receipt.p1",
        "We received %(amount)s for application %(number)s on %(paid_at)s (UTC).",
    ),
    C_(
        "email.payment_receipt.p2",
        "Payment reference: %(reference)s. The receipt is also in the app.",
    ),
)
