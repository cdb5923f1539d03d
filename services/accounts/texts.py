"""Texts of services.accounts: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import C_, error_text, error_text_plural
from services.emails.templates import email_template

error_text("invalid_credentials", "The login or password is wrong.")

error_text("account_exists", "An account with this email or phone number already exists.")

error_text("account_disabled", "This account is disabled.")

error_text_plural(
    "password_too_short",
    "The password must have at least %(min_length)s character.",
    "The password must have at least %(min_length)s characters.",
    "min_length",
)

error_text("password_too_common", "This password is too common or too easy to guess.")

error_text("invalid_phone", "The phone number is not a valid international (E.164) number.")

error_text("login_required", "Give an email or a phone number.")

error_text("token_expired", "Your session has expired. Please refresh or log in again.")

error_text("token_invalid", "The access token is invalid.")

error_text("token_revoked", "This session has ended. Please log in again.")

error_text(
    "refresh_token_reused",
    "This refresh token was already used; the session has been ended for your safety.",
)

error_text("wrong_token_type", "Use a refresh token here.")

error_text("post_not_found", "No such post.")

error_text("applicant_not_found", "No such applicant.")

error_text(
    "applicant_has_appointments",
    "This applicant has an appointment to come. Cancel it before removing them.",
)

error_text("applicant_self_exists", "You have already added yourself as an applicant.")

error_text("post_scope_forbidden", "You are not staff of this post.")

error_text("country_scope_forbidden", "You may only act on alerts for the countries of your posts.")

error_text(
    "email_not_verified", "Confirm your e-mail address first (we sent you a link and a code)."
)

error_text("email_already_verified", "This e-mail address is already confirmed.")

error_text("no_email_address", "This account has no e-mail address; add one first.")

error_text(
    "token_invalid_or_expired", "This link or code is wrong, used or expired. Ask for a new one."
)

error_text("wrong_password", "The password is not correct.")

error_text("password_unchanged", "The new password is the same as the current one.")

error_text("email_unchanged", "This is already the account's e-mail address.")

error_text("email_taken", "This e-mail address now belongs to another account.")

error_text("session_not_found", "No such session.")


# --- e-mails (sent through services.emails' outbox) ---------------------------------------
email_template(
    "verify_email",
    C_("email.verify_email.subject", "Confirm your e-mail address"),
    C_("email.verify_email.p1", "Open this link on your phone to confirm this address: %(link)s"),
    C_(
        "email.verify_email.p2",
        "Or type this code in the app: %(code)s. It works for %(minutes)s minutes.",
    ),
    C_(
        "email.verify_email.p3",
        "If you did not ask for this, ignore this message; nothing changes.",
    ),
)

email_template(
    "account_exists",
    C_("email.account_exists.subject", "You already have an account"),
    C_(
        "email.account_exists.p1",
        "Someone tried to register with this address, which already has an account. Log in with it; if you forgot the password, reset it in the app.",
    ),
    C_(
        "email.account_exists.p2",
        "If you did not ask for this, ignore this message; nothing changes.",
    ),
)

email_template(
    "password_reset",
    C_("email.password_reset.subject", "Reset your password"),
    C_(
        "email.password_reset.p1", "Open this link on your phone to choose a new password: %(link)s"
    ),
    C_(
        "email.password_reset.p2",
        "Or type this code in the app: %(code)s. It works once, for %(minutes)s minutes.",
    ),
    C_(
        "email.password_reset.p3",
        "If you did not ask for this, ignore this message; nothing changes.",
    ),
)

email_template(
    "password_changed",
    C_("email.password_changed.subject", "Your password was changed"),
    C_(
        "email.password_changed.p1",
        "The password of your account was changed; other sessions were ended.",
    ),
    C_(
        "email.password_changed.p2",
        "If this was not you, reset your password at once and end your other sessions.",
    ),
)

email_template(
    "email_change_verify",
    C_("email.email_change_verify.subject", "Confirm your new e-mail address"),
    C_(
        "email.email_change_verify.p1",
        "Your account will use this address once you confirm it: %(link)s",
    ),
    C_(
        "email.email_change_verify.p2",
        "Or type this code in the app: %(code)s. It works for %(minutes)s minutes.",
    ),
    C_(
        "email.email_change_verify.p3",
        "If you did not ask for this, ignore this message; nothing changes.",
    ),
)

email_template(
    "email_changed_notice",
    C_("email.email_changed_notice.subject", "Your e-mail address was changed"),
    C_(
        "email.email_changed_notice.p1",
        "Your account now uses %(email)s; this address will get no more messages.",
    ),
    C_(
        "email.email_changed_notice.p2",
        "If this was not you, reset your password at once and end your other sessions.",
    ),
)

email_template(
    "account_deleted",
    C_("email.account_deleted.subject", "Your account was deleted"),
    C_(
        "email.account_deleted.p1",
        "Your account and its personal data were deleted. Payments and completed applications are kept for the records the law requires, without your name on the account.",
    ),
)
