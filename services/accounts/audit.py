"""Writing the audit log: every staff action leaves a row in its own transaction."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from services.core.db import db
from services.models import Account, AuditLog


def record_audit(
    actor: Account | None,
    action: str,
    target_type: str,
    target_id: Any,
    *,
    post_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the current unit of work (it commits or rolls back with it)."""
    request_id = g.get("request_id") if has_request_context() else None
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        post_id=post_id,
        details=details or {},
        request_id=request_id,
    )
    db.session.add(entry)
    return entry
