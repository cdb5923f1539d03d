"""Secrets we e-mail to prove control of an address: a link token and a short code.

The token (32 random bytes, URL-safe) goes into a link the app opens; the code (six
digits) is for typing into the app. Both name the same ``AccountToken`` row and either
spends it. Stored hashed: the token by SHA-256 (it cannot be guessed, so no key is needed
to look it up), the code by HMAC with the app's secret and the row id (six digits would
fall to a dictionary in a leaked table). Issuing a token spends the account's earlier ones
of the same purpose, so only the latest message works; wrong codes count, and the
``ACCOUNT_CODE_MAX_ATTEMPTS``-th spends the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from services.core.db import db
from services.core.errors import InvalidInput
from services.models import Account, AccountToken
from services.models.types import utcnow

CODE_DIGITS = 6


@dataclass(frozen=True)
class IssuedToken:
    row: AccountToken
    token: str
    code: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _code_hash(row_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"{row_id}:{code}".encode(), hashlib.sha256).hexdigest()


def spend_earlier(account_id: int, purpose: str) -> None:
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.account_id == account_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def issue(
    account: Account, purpose: str, ttl: timedelta, *, new_email: str | None = None
) -> IssuedToken:
    """A new token and code for ``purpose`` (earlier ones of that purpose stop working)."""
    spend_earlier(account.id, purpose)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = utcnow()
    row = AccountToken(
        account_id=account.id,
        purpose=purpose,
        token_hash=token_hash(token),
        code_hash="",
        new_email=new_email,
        created_at=now,
        expires_at=now + ttl,
    )
    db.session.add(row)
    db.session.flush()
    row.code_hash = _code_hash(row.id, code)
    return IssuedToken(row=row, token=token, code=code)


def _usable(row: AccountToken | None) -> bool:
    return row is not None and row.used_at is None and row.expires_at > utcnow()


def _spend(row: AccountToken) -> AccountToken:
    # Conditional: of two concurrent uses of one token, one wins.
    spent = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise InvalidInput("token_invalid_or_expired")
    return row


def spend_token(purpose: str, token: str) -> AccountToken:
    """The row the link token names, spent; ``token_invalid_or_expired`` otherwise."""
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose
        )
    )
    if not _usable(row):
        raise InvalidInput("token_invalid_or_expired")
    return _spend(row)


def spend_code(account_id: int | None, purpose: str, code: str) -> AccountToken:
    """The account's latest live token of ``purpose`` if ``code`` matches, spent.

    A wrong code counts against the token, and the last allowed one spends it. With no
    account (an unknown address) the answer is the same as for a wrong code.
    """
    row = None
    if account_id is not None:
        row = db.session.scalar(
            select(AccountToken)
            .where(
                AccountToken.account_id == account_id,
                AccountToken.purpose == purpose,
                AccountToken.used_at.is_(None),
            )
            .order_by(AccountToken.id.desc())
            .limit(1)
        )
    if not _usable(row):
        raise InvalidInput("token_invalid_or_expired")
    if not hmac.compare_digest(row.code_hash, _code_hash(row.id, code.strip())):
        row.attempts += 1
        if row.attempts >= current_app.config["ACCOUNT_CODE_MAX_ATTEMPTS"]:
            row.used_at = utcnow()
        # The count must stick although the caller gets an error.
        db.session.commit()
        raise InvalidInput("token_invalid_or_expired")
    return _spend(row)
