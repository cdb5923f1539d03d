"""Who may act on which post's data: the one place staff scope is checked."""

from __future__ import annotations

from services.errors import Forbidden
from services.models import Account, Post


def can_act_on_post(account: Account, post_id: int) -> bool:
    if account.role == "admin":
        return True
    return account.role == "officer" and post_id in account.post_ids


def require_post_scope(account: Account, post: Post) -> None:
    """Raise ``Forbidden`` unless ``account`` is an admin or an officer of ``post``."""
    if not can_act_on_post(account, post.id):
        raise Forbidden("post_scope_forbidden")
