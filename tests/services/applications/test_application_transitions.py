"""Every (state, target) pair: allowed exactly when the table says so."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.applications import applications
from services.applications.states import TRANSITIONS
from services.core.db import db
from services.core.errors import DomainError
from services.models import APPLICATION_STATES, Account, Application, ApplicationEvent

NOTES = {
    "public_note": "note",
    "information_requested": "a new photo",
    "tracking_number": "TRACK0001",
}


@pytest.mark.parametrize("state", APPLICATION_STATES)
def test_transitions_from(app, make, state):
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    for to in APPLICATION_STATES:
        courier = to in ("dispatched", "delivered")
        opened = make.application(
            officer,
            post.code,
            service.code,
            delivery_method="courier" if courier else "collection",
            delivery_address="1 Test Street" if courier else None,
        )
        with app.app_context():
            db.session.get(Application, opened.id).state = state
            db.session.commit()
            actor = db.session.get(Account, officer.id)
            events_before = db.session.scalar(select(func.count()).select_from(ApplicationEvent))
            if to in TRANSITIONS[state]:
                moved = applications.transition(actor, opened.id, to, **NOTES)
                assert moved.state == to
            else:
                with pytest.raises(DomainError) as refused:
                    applications.transition(actor, opened.id, to, **NOTES)
                assert refused.value.code == "invalid_transition"
                assert db.session.get(Application, opened.id).state == state
                assert (
                    db.session.scalar(select(func.count()).select_from(ApplicationEvent))
                    == events_before
                )


def test_concurrent_moves_cannot_both_win(app, make):
    """The conditional update refuses a move from a state that is no longer current."""
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    opened = make.application(officer, post.code, service.code)
    with app.app_context():
        actor = db.session.get(Account, officer.id)
        stale = db.session.get(Application, opened.id)
        assert stale.state == "submitted"
        # Another officer accepts it meanwhile (a separate connection).
        with db.engine.begin() as conn:
            conn.execute(
                Application.__table__.update()
                .where(Application.id == opened.id)
                .values(state="accepted")
            )
        with pytest.raises(DomainError) as refused:
            applications._move(actor, stale, "rejected", public_note="no")
        assert refused.value.code == "invalid_transition"
        db.session.rollback()
        assert db.session.get(Application, opened.id).state == "accepted"
