"""Who may act on which post's data: the one place staff scope is checked."""

from __future__ import annotations

from collections.abc import Iterable

from services.core.errors import Forbidden
from services.models import Account, Post


def can_act_on_post(account: Account, post_id: int) -> bool:
    if account.role == "admin":
        return True
    return account.role == "officer" and post_id in account.post_ids


def require_post_scope(account: Account, post: Post) -> None:
    """Raise ``Forbidden`` unless ``account`` is an admin or an officer of ``post``."""
    if not can_act_on_post(account, post.id):
        raise Forbidden("post_scope_forbidden")


# --- country scope (safety alerts are per country, not per post) ------------------------
def countries_in_scope(account: Account) -> frozenset[str] | None:
    """The countries ``account`` may act on: those of its posts; None means every country
    (admins). Citizens have none."""
    if account.role == "admin":
        return None
    if account.role != "officer":
        return frozenset()
    return frozenset(post.country for post in account.posts)


def can_act_on_countries(account: Account, countries: Iterable[str]) -> bool:
    """True when every one of ``countries`` is in the account's scope."""
    scope = countries_in_scope(account)
    return scope is None or set(countries) <= scope


def require_country_scope(account: Account, countries: Iterable[str]) -> None:
    """Raise ``Forbidden`` unless ``account`` may act on all of ``countries``."""
    if not can_act_on_countries(account, countries):
        raise Forbidden("country_scope_forbidden")
