"""An account's login sessions: list them, end one, end all the others, end all.

A session is one login and the refresh tokens that rotate from it; access tokens name it,
so ending it stops them at once (``accounts.account_of_session`` is checked on every request).
A session whose last use is older than a refresh token's lifetime cannot be resumed and is
not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from services.core.db import db, transactional
from services.core.errors import NotFound
from services.models import Account, LoginSession
from services.models.types import utcnow


def revoke_all(account_id: int, reason: str, *, keep: str | None = None) -> int:
    """End every live session of the account but ``keep``, in the caller's unit of work."""
    query = update(LoginSession).where(
        LoginSession.account_id == account_id, LoginSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(LoginSession.id != keep)
    result = db.session.execute(
        query.values(revoked_at=utcnow(), revoked_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class SessionInfo:
    id: str
    created_at: datetime
    last_used_at: datetime
    device_name: str | None
    current: bool


def list_sessions(account: Account, current_session_id: str | None = None) -> list[SessionInfo]:
    """Live sessions, most recently used first."""
    oldest = utcnow() - current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    last_used = func.coalesce(LoginSession.last_used_at, LoginSession.created_at)
    sessions = db.session.scalars(
        select(LoginSession)
        .where(
            LoginSession.account_id == account.id,
            LoginSession.revoked_at.is_(None),
            last_used > oldest,
        )
        .order_by(last_used.desc(), LoginSession.id)
    )
    return [
        SessionInfo(
            id=s.id,
            created_at=s.created_at,
            last_used_at=s.last_used_at or s.created_at,
            device_name=s.device_name,
            current=s.id == current_session_id,
        )
        for s in sessions
    ]


@transactional
def revoke_session(account: Account, session_id: str) -> None:
    """End one of the caller's sessions (this one included: that is a logout)."""
    session = db.session.get(LoginSession, session_id)
    if session is None or session.account_id != account.id or session.revoked_at is not None:
        raise NotFound("session_not_found")
    session.revoked_at = utcnow()
    session.revoked_reason = "revoked_by_owner"


@transactional
def revoke_other_sessions(account: Account, current_session_id: str) -> int:
    """End every session of the caller but the one making the request."""
    return revoke_all(account.id, "revoked_by_owner", keep=current_session_id)
