"""Staff views of a post's own records (the audit log, for now)."""

from __future__ import annotations

from sqlalchemy import Select, select

from services.accounts.access import require_post_scope
from services.catalogue.catalogue import get_post
from services.models import Account, AuditLog


def post_audit_query(actor: Account, post_code: str) -> Select:
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    return select(AuditLog).where(AuditLog.post_id == post.id).order_by(AuditLog.id.desc())
