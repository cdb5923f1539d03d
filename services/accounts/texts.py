"""Texts of services.accounts: the English of its messages, translated by the catalogues.

Marked for ``pybabel extract`` (see ``babel.cfg``); ``services.wiring`` imports this module
at start-up so that every message is known whatever runs first.
"""

from __future__ import annotations

from services.core.i18n import error_text, error_text_plural

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
