"""Public registration that tells no stranger whether an address has an account, and the
verification of an account's e-mail address.

``register`` answers the same, in the same time, for a new and a taken login: a new one
gets its account and a verification e-mail; the owner of a taken one gets an e-mail saying
so (when that account has an address). A verified address is needed to book an
appointment and to receive e-mail notifications (README, "Accounts").
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.accounts import accounts, tokens
from services.accounts.mailed_secrets import answered_no_sooner_than, send_secret
from services.accounts.passwords import hash_password
from services.core.db import db, transactional
from services.core.errors import Conflict, Forbidden, InvalidInput
from services.emails.outbox import email_account
from services.models import Account
from services.models.types import utcnow


def register(
    *,
    email: str | None,
    phone: str | None,
    password: str,
    display_name: str | None = None,
    language: str = "en",
    time_zone: str = "UTC",
) -> None:
    """Register a citizen, or tell the owner of the login; the caller learns neither."""
    with answered_no_sooner_than():
        _register(
            email=email,
            phone=phone,
            password=password,
            display_name=display_name,
            language=language,
            time_zone=time_zone,
        )


@transactional
def _register(*, email, phone, password, display_name, language, time_zone) -> None:
    email, phone = accounts.checked_login(email, phone, password)
    existing = accounts.account_with_login(email, phone)
    if existing is None:
        try:
            with db.session.begin_nested():
                account = accounts.new_citizen(
                    email=email,
                    phone=phone,
                    password=password,
                    display_name=display_name,
                    language=language,
                    time_zone=time_zone,
                )
        except IntegrityError:
            # Registered concurrently by someone else: the same answer as any taken login.
            existing = accounts.account_with_login(email, phone)
        else:
            if account.email:
                send_secret(account, "verify_email")
            return
    # The same password work as a new account, so the time tells nothing either.
    hash_password(password)
    if existing is not None and existing.is_active:
        email_account(existing, "account_exists")


@transactional
def request_verification(account: Account) -> None:
    """Send a new verification link and code (the earlier ones stop working)."""
    if not account.email:
        raise InvalidInput("no_email_address")
    if account.email_verified_at is not None:
        raise Conflict("email_already_verified")
    send_secret(account, "verify_email")


def _verified(account: Account) -> Account:
    account.email_verified_at = account.email_verified_at or utcnow()
    return account


@transactional
def verify_with_token(token: str) -> None:
    """The link's token (the app POSTs it): marks the address verified."""
    row = tokens.spend_token("verify_email", token)
    _verified(db.session.get(Account, row.account_id))


@transactional
def verify_with_code(account: Account, code: str) -> Account:
    """The code typed into the app by the logged-in owner."""
    if account.email_verified_at is not None:
        raise Conflict("email_already_verified")
    tokens.spend_code(account.id, "verify_email", code)
    return _verified(account)


def require_verified_email(account: Account) -> None:
    """Refuse (403 ``email_not_verified``) an action that needs a proven address."""
    if not account.email or account.email_verified_at is None:
        raise Forbidden("email_not_verified")
