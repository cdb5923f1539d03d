"""Expected dates after opening: a closure added later moves the dates it made untrue (and
tells the applicants, in their language); waiting on the applicant pauses the clock; the
metrics count passports still waiting for their owner and finish "on time" with the pause.

The clock is frozen at Monday 11 January 2027, 09:00 in Paris; the post's service takes 10
working days, so an application opened then is expected on Monday 25 January.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.core.db import db
from services.models import Account, Application, Notification

OPENED_EXPECTED = date(2027, 1, 25)


@pytest.fixture
def setup(make, frozen):
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    return post, service, officer


def _owned(app, make, post, service, officer, language="vi"):
    from services.accounts import applicants
    from services.applications import applications

    citizen = make.citizen(language=language)
    with app.app_context():
        owner = db.session.get(Account, citizen.id)
        applicant = applicants.create_applicant(
            owner, {**make.applicant_payload(), "date_of_birth": date(1990, 5, 17)}
        )
        actor = db.session.get(Account, officer.id)
        application = applications.open_for_applicant(
            actor, post.code, owner, applicant.id, {"service": service.code}
        )
        return citizen, application.id


def _move(client, make, officer, application_id, to, **body):
    response = client.post(
        f"/api/v1/staff/applications/{application_id}/transitions",
        json={"to": to, **body},
        headers=make.auth(officer),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _close(client, make, officer, post, first, last=None, reason=None):
    response = client.post(
        f"/api/v1/staff/posts/{post.code}/closures",
        json={
            "first_day": first.isoformat(),
            "last_day": (last or first).isoformat(),
            "reason": reason or {"en": "Closed"},
        },
        headers=make.auth(officer),
    )
    assert response.status_code == 201, response.get_json()


def _expected(app, application_id) -> date:
    with app.app_context():
        return db.session.get(Application, application_id).expected_on


def _notices(app, account_id, template="application_expected_date_moved"):
    with app.app_context():
        return db.session.scalars(
            select(Notification)
            .where(Notification.account_id == account_id, Notification.template == template)
            .order_by(Notification.id)
        ).all()


# --- a closure added later ----------------------------------------------------------------
def test_a_closure_moves_the_dates_it_made_untrue_and_tells_the_applicants(
    app, client, make, setup
):
    post, service, officer = setup
    walk_in = make.application(officer, post.code, service.code)
    citizen, owned = _owned(app, make, post, service, officer, language="vi")
    ready = make.application(officer, post.code, service.code)
    for state in ("accepted", "in_review", "approved", "in_production", "ready_for_collection"):
        _move(client, make, officer, ready.id, state)
    assert _expected(app, owned) == OPENED_EXPECTED

    # Wednesday 20 and Thursday 21 January: two working days before the 25th.
    _close(
        client,
        make,
        officer,
        post,
        date(2027, 1, 20),
        date(2027, 1, 21),
        {"en": "National day", "vi": "Quốc khánh"},
    )
    assert _expected(app, walk_in.id) == date(2027, 1, 27)
    assert _expected(app, owned) == date(2027, 1, 27)
    assert _expected(app, ready.id) == OPENED_EXPECTED  # done: nothing promised any more
    (notice,) = _notices(app, citizen.id)
    assert notice.title == "Ngày dự kiến đã thay đổi"
    assert "Quốc khánh" in notice.body and "2027-01-27" in notice.body
    assert notice.data["application_id"] == owned
    mine = client.get(f"/api/v1/applications/{owned}", headers=make.auth(citizen)).get_json()
    assert mine["expected_on"] == "2027-01-27"

    # A Saturday, and a day after the expected date, take no working day away.
    _close(client, make, officer, post, date(2027, 1, 23))
    _close(client, make, officer, post, date(2027, 2, 1))
    assert _expected(app, owned) == date(2027, 1, 27)
    assert len(_notices(app, citizen.id)) == 1


def test_a_closure_on_the_expected_day_moves_it_past_closed_days(app, client, make, setup):
    post, service, officer = setup
    citizen, owned = _owned(app, make, post, service, officer, language="zh-Hant")
    # Tuesday the 26th was closed already; now Monday the 25th closes too.
    _close(client, make, officer, post, date(2027, 1, 26))
    assert _expected(app, owned) == OPENED_EXPECTED  # after the expected day: no change
    _close(client, make, officer, post, OPENED_EXPECTED, reason={"en": "Strike", "zh-Hant": "罷工"})
    assert _expected(app, owned) == date(2027, 1, 27)
    (notice,) = _notices(app, citizen.id)
    assert notice.title == "預計完成日期已更新" and "罷工" in notice.body


def test_the_dates_move_in_the_closures_transaction(app, make, setup):
    from services.appointments import schedules
    from services.core.db import unit_of_work

    post, service, officer = setup
    citizen, owned = _owned(app, make, post, service, officer)
    with app.app_context(), pytest.raises(RuntimeError):
        with unit_of_work():
            actor = db.session.get(Account, officer.id)
            schedules.create_closure(
                actor, post.code, {"first_day": date(2027, 1, 20), "reason": {"en": "x"}}
            )
            raise RuntimeError("the request failed after the closure")
    assert _expected(app, owned) == OPENED_EXPECTED
    assert _notices(app, citizen.id) == []


def test_a_closure_moves_many_dates_in_as_many_statements_as_one(app, client, make, setup):
    """Found in review: each moved application read the calendar, its owner's language and
    settings and devices on its own. The statements no longer grow with the applications."""
    from tests.statements import statements_of

    post, service, officer = setup

    def closing(day: date) -> int:
        with statements_of(app) as seen:
            _close(client, make, officer, post, day)
        # The inbox items are one bulk insert (SQLite's driver sends it row by row).
        return len([s for s in seen if not s.startswith("INSERT INTO notification ")])

    owners = [_owned(app, make, post, service, officer)[0] for _ in range(2)]
    few = closing(date(2027, 1, 20))
    owners += [_owned(app, make, post, service, officer)[0] for _ in range(4)]
    many = closing(date(2027, 1, 21))
    assert many == few, (few, many)
    assert [len(_notices(app, owner.id)) for owner in owners] == [2, 2, 1, 1, 1, 1]


# --- waiting on the applicant -------------------------------------------------------------
def test_waiting_on_the_applicant_pauses_the_clock(app, client, make, setup, frozen):
    post, service, officer = setup
    waiting = make.application(officer, post.code, service.code)
    running = make.application(officer, post.code, service.code)
    for application in (waiting, running):
        _move(client, make, officer, application.id, "accepted")
        _move(client, make, officer, application.id, "in_review")
    frozen.now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris
    _move(
        client,
        make,
        officer,
        waiting.id,
        "more_information_required",
        information_requested="A new photo",
    )
    # Closed on Wednesday the 20th while the post waits: the running one loses a day now,
    # the waiting one when its wait is counted (the 20th is then no working day).
    _close(client, make, officer, post, date(2027, 1, 20))
    assert _expected(app, running.id) == date(2027, 1, 26)
    assert _expected(app, waiting.id) == date(2027, 1, 26)

    # Long past both dates: only the running one is overdue.
    frozen.now = datetime(2027, 1, 28, 9, 0, tzinfo=UTC)
    headers = make.auth(officer)
    overdue = client.get(
        f"/api/v1/staff/posts/{post.code}/applications?due=overdue", headers=headers
    ).get_json()
    assert [a["id"] for a in overdue] == [running.id]
    view = client.get(f"/api/v1/staff/applications/{waiting.id}", headers=headers).get_json()
    assert view["overdue"] is False

    # The answer comes on Thursday the 28th: 11 working days waited (13 Jan to 28 Jan, the
    # 20th closed), so 11 working days after the 26th.
    moved_on = _move(client, make, officer, waiting.id, "in_review")
    assert moved_on["expected_on"] == "2027-02-10"
    assert moved_on["overdue"] is False


def test_a_closure_inside_an_ended_wait_changes_nothing_more(app, client, make, setup, frozen):
    post, service, officer = setup
    waited = make.application(officer, post.code, service.code)
    never = make.application(officer, post.code, service.code)
    for application in (waited, never):
        _move(client, make, officer, application.id, "accepted")
        _move(client, make, officer, application.id, "in_review")
    frozen.now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    _move(client, make, officer, waited.id, "more_information_required", information_requested="x")
    frozen.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)  # Friday: 13, 14, 15 waited
    assert _move(client, make, officer, waited.id, "in_review")["expected_on"] == "2027-01-28"
    # The post records afterwards that it was closed on Thursday the 14th: a day the
    # application already got back as waited, and a working day the other one lost.
    _close(client, make, officer, post, date(2027, 1, 14))
    assert _expected(app, waited.id) == date(2027, 1, 28)
    assert _expected(app, never.id) == date(2027, 1, 26)


# --- metrics ----------------------------------------------------------------------------
def test_metrics_show_passports_waiting_for_their_owner_and_pause_the_clock(
    app, client, make, setup, frozen
):
    post, service, officer = setup
    collect = make.application(officer, post.code, service.code)
    courier = make.application(
        officer,
        post.code,
        service.code,
        delivery_method="courier",
        delivery_address="12 rue des Lilas, Lyon",
    )
    make.application(officer, post.code, service.code)  # still submitted
    for application in (collect, courier):
        _move(client, make, officer, application.id, "accepted")
        _move(client, make, officer, application.id, "in_review")
    # The post waits on the first applicant for a week and a half.
    frozen.now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    _move(client, make, officer, collect.id, "more_information_required", information_requested="x")
    frozen.now = datetime(2027, 1, 22, 9, 0, tzinfo=UTC)
    _move(client, make, officer, collect.id, "in_review")
    frozen.now = datetime(2027, 1, 29, 9, 0, tzinfo=UTC)  # after the 25th, within the pause
    for state in ("approved", "in_production", "ready_for_collection"):
        _move(client, make, officer, collect.id, state)
    for state in ("approved", "in_production"):
        _move(client, make, officer, courier.id, state)
    _move(client, make, officer, courier.id, "dispatched", tracking_number="EE123456789FR")

    metrics = client.get(
        f"/api/v1/staff/posts/{post.code}/application-metrics", headers=make.auth(officer)
    ).get_json()
    assert metrics["open_by_state"] == {
        "submitted": 1,
        "ready_for_collection": 1,
        "dispatched": 1,
    }
    # Ready on the 29th: late for the courier one (due the 25th), on time for the one
    # whose clock stood still for 8 working days.
    assert metrics["completed"] == 2 and metrics["on_time_share"] == 0.5


def test_the_days_waited_are_added_to_the_date_as_committed(app, client, make, setup, frozen):
    """A closure committed while the officer's request had the application loaded: the
    days waited go on top of the moved date, not of the stale one."""
    from services.applications import applications

    post, service, officer = setup
    waiting = make.application(officer, post.code, service.code)
    for state in ("accepted", "in_review"):
        _move(client, make, officer, waiting.id, state)
    frozen.now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    _move(client, make, officer, waiting.id, "more_information_required", information_requested="x")
    frozen.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    with app.app_context():
        actor = db.session.get(Account, officer.id)
        stale = db.session.get(Application, waiting.id)
        assert stale.expected_on == OPENED_EXPECTED
        with db.engine.begin() as conn:  # another transaction moved it meanwhile
            conn.execute(
                Application.__table__.update()
                .where(Application.id == waiting.id)
                .values(expected_on=date(2027, 1, 27))
            )
        moved = applications.transition(actor, waiting.id, "in_review")
        # 13, 14 and 15 January waited: three working days after the 27th.
        assert moved.expected_on == date(2027, 2, 1)
