"""Satisfaction ratings: the applicant rates once, after collection or delivery; the post's
officers read what was written.

Officers see a rating with the application it is about (its id, number and service), which
their post already sees in full; nothing about the account that wrote it (no account id, no
e-mail). Ratings are post-scoped like the applications themselves.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, lazyload

from services.accounts.access import require_post_scope
from services.applications.applications import get_for_owner
from services.applications.states import RATING_STATES
from services.catalogue.catalogue import get_post
from services.core.db import db, transactional
from services.core.errors import Conflict, NotFound
from services.models import Account, Application, ApplicationRating


@transactional
def rate(owner: Account, application_id: int, score: int, comment: str | None) -> ApplicationRating:
    """Rate the service once, after the passport was collected or delivered."""
    application = get_for_owner(owner, application_id)
    if application.state not in RATING_STATES:
        raise Conflict("rating_not_open")
    if db.session.scalar(
        select(ApplicationRating.id).where(ApplicationRating.application_id == application.id)
    ):
        raise Conflict("already_rated")
    rating = ApplicationRating(application_id=application.id, score=score, comment=comment)
    db.session.add(rating)
    db.session.flush()
    return rating


def own_rating(owner: Account, application_id: int) -> ApplicationRating:
    """The applicant's rating of their own application (404 ``rating_not_found`` if none)."""
    rating = get_for_owner(owner, application_id).rating  # loaded with the application
    if rating is None:
        raise NotFound("rating_not_found")
    return rating


def post_ratings_query(
    actor: Account,
    post_code: str,
    *,
    score: int | None = None,
    with_comment: bool = False,
) -> Select:
    """Ratings of a post's applications, newest first, each with its application loaded
    by the same query (a page is one round trip, plus the count)."""
    post = get_post(post_code, include_inactive=True)
    require_post_scope(actor, post)
    query = (
        select(ApplicationRating)
        .join(ApplicationRating.application)
        .where(Application.post_id == post.id)
        .options(
            contains_eager(ApplicationRating.application).options(
                lazyload(Application.events), lazyload(Application.rating)
            )
        )
    )
    if score is not None:
        query = query.where(ApplicationRating.score == score)
    if with_comment:
        query = query.where(ApplicationRating.comment.is_not(None), ApplicationRating.comment != "")
    return query.order_by(ApplicationRating.created_at.desc(), ApplicationRating.id.desc())
