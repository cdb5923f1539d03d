"""Forgotten and changed passwords, and moving an account to a new e-mail address.

A reset request answers the same 202, in the same time, whether the address has an
account or not (the owner gets a link and a code valid 30 minutes, single use, stored
hashed). Confirming sets the password, ends every session, verifies the address (the
message reached it) and tells the owner by e-mail. Changing the password needs the current
one and ends the other sessions. A new address is used only once its link or code comes
back; the old address is told.
"""

from __future__ import annotations

from sqlalchemy import select

from services.accounts import tokens
from services.accounts.accounts import normalise_email
from services.accounts.mailed_secrets import answered_no_sooner_than, send_secret
from services.accounts.passwords import check_password_policy, hash_password, verify_password
from services.accounts.sessions import revoke_all
from services.core.db import db, transactional
from services.core.errors import Conflict, Forbidden, InvalidInput
from services.emails.outbox import email_account, queue_email
from services.models import Account, AccountToken
from services.models.types import utcnow


def _by_email(email: str | None) -> Account | None:
    if not email:
        return None
    return db.session.scalar(select(Account).where(Account.email == email))


def _hints(account: Account) -> tuple[str, ...]:
    return tuple(h for h in ((account.email or "").split("@")[0], account.phone) if h)


# --- reset --------------------------------------------------------------------------------
def request_password_reset(*, email: str) -> None:
    """E-mail a reset link and code when the address has an active account; else nothing.
    The caller cannot tell which."""
    with answered_no_sooner_than():
        _request_password_reset(normalise_email(email))


@transactional
def _request_password_reset(email: str | None) -> None:
    account = _by_email(email)
    if account is not None and account.is_active:
        send_secret(account, "reset_password")


@transactional
def confirm_password_reset(
    *,
    new_password: str,
    token: str | None = None,
    email: str | None = None,
    code: str | None = None,
) -> None:
    """Spend the link's token, or the address's latest code, and set the new password."""
    if token:
        row = db.session.scalar(
            select(AccountToken).where(
                AccountToken.token_hash == tokens.token_hash(token),
                AccountToken.purpose == "reset_password",
            )
        )
        account = db.session.get(Account, row.account_id) if row is not None else None
        # The password rule first, so a refused password leaves the token usable.
        check_password_policy(new_password, login_hints=_hints(account) if account else ())
        row = tokens.spend_token("reset_password", token)
    else:
        email = normalise_email(email)
        account = _by_email(email)
        check_password_policy(new_password, login_hints=((email or "").split("@")[0],))
        row = tokens.spend_code(account.id if account else None, "reset_password", code or "")
    account = db.session.get(Account, row.account_id)
    _set_password(account, new_password, reason="password_reset", keep_session=None)
    # The message reached the address: it is proven.
    account.email_verified_at = account.email_verified_at or utcnow()


def _set_password(account: Account, password: str, *, reason: str, keep_session: str | None):
    account.password_hash = hash_password(password)
    revoke_all(account.id, reason, keep=keep_session)
    email_account(account, "password_changed")


# --- change password ------------------------------------------------------------------------
@transactional
def change_password(
    account: Account, *, current_password: str, new_password: str, session_id: str
) -> None:
    """Needs the current password; every other session ends, this one stays."""
    if not verify_password(account.password_hash, current_password):
        raise Forbidden("wrong_password")
    check_password_policy(new_password, login_hints=_hints(account))
    if verify_password(account.password_hash, new_password):
        raise InvalidInput("password_unchanged")
    _set_password(account, new_password, reason="password_changed", keep_session=session_id)


# --- change e-mail --------------------------------------------------------------------------
@transactional
def request_email_change(account: Account, *, new_email: str, password: str) -> None:
    """Send a link and code to ``new_email``; the account keeps its address until they
    come back. A taken address gets nothing, and the answer is the same."""
    if not verify_password(account.password_hash, password):
        raise Forbidden("wrong_password")
    new_email = normalise_email(new_email)
    if new_email == account.email:
        raise InvalidInput("email_unchanged")
    if _by_email(new_email) is not None:
        return
    send_secret(account, "change_email", new_email=new_email)


def _apply_email_change(row: AccountToken) -> Account:
    account = db.session.get(Account, row.account_id)
    if _by_email(row.new_email) is not None:
        raise Conflict("email_taken")
    old = account.email
    account.email = row.new_email
    account.email_verified_at = utcnow()
    # A verification link sent to the old address must not verify the new one.
    tokens.spend_earlier(account.id, "verify_email")
    if old:
        queue_email(
            to=old,
            language=account.language,
            template="email_changed_notice",
            params={"email": row.new_email},
            account_id=account.id,
        )
    db.session.flush()
    return account


@transactional
def confirm_email_change_with_token(token: str) -> None:
    _apply_email_change(tokens.spend_token("change_email", token))


@transactional
def confirm_email_change_with_code(account: Account, code: str) -> Account:
    return _apply_email_change(tokens.spend_code(account.id, "change_email", code))
