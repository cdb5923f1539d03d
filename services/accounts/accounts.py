"""Accounts: registration, login, refresh-token rotation with re-use detection, logout,
profile, and staff accounts with their post scopes.

A login opens a ``LoginSession``; each refresh token belongs to one session and may be used
once. Using a refresh token a second time means it was stolen or replayed: the whole session
(every token descended from that login) is revoked. Access tokens carry the session id, so
revoking the session ends them at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import ExpiredSignatureError, InvalidTokenError
from sqlalchemy import bindparam, select, update

from services.accounts.audit import record_audit
from services.accounts.passwords import (
    burn_verification_time,
    check_password_policy,
    hash_password,
    verify_password,
)
from services.core.db import db, persistent_from_row, read_rows, transactional
from services.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from services.models import Account, LoginSession, Post, RefreshToken
from services.models.types import utcnow


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    account: Account


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def normalise_phone(phone: str | None) -> str | None:
    """Parse an E.164 number (``+84 912 345 678`` is fine) into its canonical form."""
    if not phone:
        return None
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput("invalid_phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("invalid_phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _find_by_login(email: str | None, phone: str | None) -> Account | None:
    if email:
        return db.session.scalar(select(Account).where(Account.email == email))
    if phone:
        return db.session.scalar(select(Account).where(Account.phone == phone))
    return None


def checked_login(
    email: str | None, phone: str | None, password: str
) -> tuple[str | None, str | None]:
    """What every registration checks first: the login normalised (one of e-mail and
    phone needed) and the password against the policy. Returns (email, phone)."""
    email = normalise_email(email)
    phone = normalise_phone(phone)
    if not email and not phone:
        raise InvalidInput("login_required")
    hints = tuple(h for h in (email.split("@")[0] if email else None, phone) if h)
    check_password_policy(password, login_hints=hints)
    return email, phone


def account_with_login(email: str | None, phone: str | None) -> Account | None:
    """The account that holds the (normalised) e-mail address, else the phone number: either
    taken makes the login taken."""
    for column, value in ((Account.email, email), (Account.phone, phone)):
        if value:
            account = db.session.scalar(select(Account).where(column == value))
            if account is not None:
                return account
    return None


def new_citizen(
    *,
    email: str | None,
    phone: str | None,
    password: str,
    display_name: str | None = None,
    language: str = "en",
    time_zone: str = "UTC",
    email_verified: bool = False,
) -> Account:
    """Add the citizen account of a login ``checked_login`` passed and nobody holds, in the
    caller's transaction (a concurrent duplicate fails the flush with an IntegrityError)."""
    account = Account(
        email=email,
        phone=phone,
        password_hash=hash_password(password),
        role="citizen",
        display_name=display_name,
        language=language,
        time_zone=time_zone,
        email_verified_at=utcnow() if email and email_verified else None,
    )
    db.session.add(account)
    db.session.flush()
    return account


@transactional
def register_citizen(
    *,
    email: str | None,
    phone: str | None,
    password: str,
    display_name: str | None = None,
    language: str = "en",
    time_zone: str = "UTC",
    email_verified: bool = False,
) -> Account:
    """Create a citizen account (``account_exists`` when the login is taken).

    The public registration (``services.accounts.registration.register``) makes the same
    checks and answers the same whether or not the address has an account; seeding and
    tests call this directly.
    """
    email, phone = checked_login(email, phone, password)
    if account_with_login(email, phone) is not None:
        raise Conflict("account_exists")
    return new_citizen(
        email=email,
        phone=phone,
        password=password,
        display_name=display_name,
        language=language,
        time_zone=time_zone,
        email_verified=email_verified,
    )


def _issue_tokens(account: Account, session_id: str) -> TokenPair:
    jti = str(uuid.uuid4())
    expires = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    db.session.add(RefreshToken(jti=jti, session_id=session_id, expires_at=utcnow() + expires))
    claims = {"sid": session_id, "role": account.role}
    access = create_access_token(identity=str(account.id), additional_claims=claims)
    refresh = create_refresh_token(
        identity=str(account.id), additional_claims={"sid": session_id, "jti": jti}
    )
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return TokenPair(access, refresh, int(lifetime.total_seconds()), account)


@transactional
def log_in(
    *, email: str | None, phone: str | None, password: str, device_name: str | None = None
) -> TokenPair:
    email = normalise_email(email)
    try:
        phone = normalise_phone(phone)
    except InvalidInput:
        phone = None
    if not email and not phone:
        burn_verification_time(password)
        raise Unauthorized("invalid_credentials")
    account = _find_by_login(email, phone)
    if account is None:
        burn_verification_time(password)
        raise Unauthorized("invalid_credentials")
    if not verify_password(account.password_hash, password):
        raise Unauthorized("invalid_credentials")
    if not account.is_active:
        raise Unauthorized("account_disabled")
    session = LoginSession(
        id=str(uuid.uuid4()),
        account_id=account.id,
        device_name=device_name,
        last_used_at=utcnow(),
    )
    db.session.add(session)
    db.session.flush()
    return _issue_tokens(account, session.id)


def _decode_refresh(token: str) -> dict:
    try:
        payload = decode_token(token, allow_expired=False)
    except ExpiredSignatureError:
        raise Unauthorized("token_expired") from None
    except (InvalidTokenError, Exception):
        raise Unauthorized("token_invalid") from None
    if payload.get("type") != "refresh":
        raise Unauthorized("wrong_token_type")
    return payload


def _revoke_session(session_id: str, reason: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


@transactional
def refresh_tokens(*, refresh_token: str) -> TokenPair:
    """Rotate: spend this refresh token and issue a new pair in the same session.

    Spending is a conditional update (``used_at IS NULL``), so two concurrent refreshes with
    the same token cannot both succeed: the loser is treated as a re-use.
    """
    payload = _decode_refresh(refresh_token)
    jti = payload["jti"]
    record = db.session.get(RefreshToken, jti)
    if record is None:
        raise Unauthorized("token_invalid")
    session = db.session.get(LoginSession, record.session_id)
    if session is None or session.revoked_at is not None:
        raise Unauthorized("token_revoked")
    spent = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == jti, RefreshToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if spent != 1:
        _revoke_session(session.id, "refresh_reuse")
        # Commit the revocation even though the caller gets an error.
        db.session.commit()
        raise Unauthorized("refresh_token_reused")
    account = db.session.get(Account, session.account_id)
    if account is None or not account.is_active:
        raise Unauthorized("account_disabled")
    session.last_used_at = utcnow()
    return _issue_tokens(account, session.id)


@transactional
def log_out(*, session_id: str) -> None:
    _revoke_session(session_id, "logout")


def _of_live_session(query):
    """``query`` of the account the bound ``account_id`` names, when the bound
    ``session_id`` is its live login session and the account is active."""
    return query.join(LoginSession, LoginSession.account_id == Account.id).where(
        LoginSession.id == bindparam("session_id"),
        LoginSession.revoked_at.is_(None),
        Account.id == bindparam("account_id"),
        Account.is_active.is_(True),
    )


# Built once: every authenticated request runs one of them (the entity; on PostgreSQL the
# plain row of its columns, ``read_rows``).
_ACCOUNT_OF_SESSION = _of_live_session(select(Account))
_ACCOUNT_ROW_OF_SESSION = _of_live_session(select(*Account.__table__.columns))


def warm_reads() -> list[tuple[Any, dict[str, Any]]]:
    """``account_of_session``'s statement with values matching nothing, for a kept
    connection to run once at a worker's start (``services.core.db.open_connections``)."""
    return [(_ACCOUNT_ROW_OF_SESSION, {"session_id": "", "account_id": 0})]


def account_of_session(session_id: str | None, account_id: int) -> Account | None:
    """The active account an access token speaks for, if its login session is live: the
    revocation check and the account load of every authenticated request in one query.

    On PostgreSQL it is read outside the request's transaction (``read_rows``: one round
    trip on a kept connection) and put in the session as loaded (``persistent_from_row``),
    so that the transaction's first statement carries its BEGIN (a booking's claim and
    rules: one round trip for the three). It is a read of committed rows either way: inside
    the transaction, under READ COMMITTED, it saw what had committed when it ran too."""
    if not session_id:
        return None
    parameters = {"session_id": session_id, "account_id": account_id}
    if db.session.get_bind().dialect.name == "postgresql":
        rows = read_rows(_ACCOUNT_ROW_OF_SESSION, parameters)
        return persistent_from_row(Account, rows[0]) if rows else None
    return db.session.scalar(_ACCOUNT_OF_SESSION, parameters)


@transactional
def update_profile(account: Account, changes: dict) -> Account:
    for field in ("display_name", "language", "time_zone"):
        if field in changes:
            setattr(account, field, changes[field])
    return account


@transactional
def create_staff(
    *, email: str, password: str, role: str, post_codes: list[str], actor: Account | None = None
) -> Account:
    """Create an officer or admin (CLI only; never through public registration)."""
    if role not in ("officer", "admin"):
        raise InvalidInput("invalid_input")
    email = normalise_email(email)
    check_password_policy(password, login_hints=(email.split("@")[0],))
    if account_with_login(email, None):
        raise Conflict("account_exists")
    posts = []
    for code in post_codes:
        post = db.session.scalar(select(Post).where(Post.code == code))
        if post is None:
            raise NotFound("post_not_found")
        posts.append(post)
    if role == "officer" and not posts:
        raise InvalidInput("invalid_input")
    account = Account(email=email, password_hash=hash_password(password), role=role)
    account.posts = posts
    db.session.add(account)
    db.session.flush()
    record_audit(
        actor, "staff.create", "account", account.id, details={"role": role, "posts": post_codes}
    )
    return account
