"""Ratings as travellers and officers meet them, and the notices at the end of the road:
the dispatched notice carries the tracking number, the collected / delivered one invites a
rating; the application says whether I rated; officers read the comments of their post."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from services.core.db import db
from services.models import Account, Notification

TO_COLLECTED = ("accepted", "in_review", "approved", "in_production", "ready_for_collection")


@pytest.fixture
def setup(make):
    post, service = make.walk_in_post()
    officer = make.staff("officer", posts=[post.code])
    return post, service, officer


def _owned(app, make, post, service, officer, *, language="vi", **data):
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
            actor, post.code, owner, applicant.id, {"service": service.code, **data}
        )
        return citizen, application.id


def _move(client, make, officer, application_id, to, **body):
    response = client.post(
        f"/api/v1/staff/applications/{application_id}/transitions",
        json={"to": to, **body},
        headers=make.auth(officer),
    )
    assert response.status_code == 200, response.get_json()


def _collected(app, client, make, post, service, officer, **kwargs):
    citizen, application_id = _owned(app, make, post, service, officer, **kwargs)
    for state in (*TO_COLLECTED, "collected"):
        _move(client, make, officer, application_id, state)
    return citizen, application_id


def _latest_notice(app, account_id) -> Notification:
    with app.app_context():
        return db.session.scalar(
            select(Notification)
            .where(Notification.account_id == account_id)
            .order_by(Notification.id.desc())
        )


# --- the notices ------------------------------------------------------------------------
def test_the_dispatched_notice_carries_the_tracking_number(app, client, make, setup):
    post, service, officer = setup
    citizen, application_id = _owned(
        app,
        make,
        post,
        service,
        officer,
        language="zh-Hant",
        delivery_method="courier",
        delivery_address="12 rue des Lilas, Lyon",
    )
    for state in ("accepted", "in_review", "approved", "in_production"):
        _move(client, make, officer, application_id, state)
    _move(client, make, officer, application_id, "dispatched", tracking_number="EE123456789FR")
    notice = _latest_notice(app, citizen.id)
    assert "已寄出" in notice.body and "運單號碼：EE123456789FR" in notice.body


def test_collected_and_delivered_notices_invite_a_rating(app, client, make, setup):
    post, service, officer = setup
    citizen, _ = _collected(app, client, make, post, service, officer, language="vi")
    collected = _latest_notice(app, citizen.id)
    assert "Đã nhận" in collected.body
    assert "Hãy đánh giá dịch vụ của chúng tôi trong ứng dụng." in collected.body
    assert collected.data["action"] == "rate"

    courier_citizen, courier = _owned(
        app,
        make,
        post,
        service,
        officer,
        language="zh-Hans",
        delivery_method="courier",
        delivery_address="12 rue des Lilas, Lyon",
    )
    for state in ("accepted", "in_review", "approved", "in_production"):
        _move(client, make, officer, courier, state)
    _move(client, make, officer, courier, "dispatched", tracking_number="EE123456789FR")
    assert "评分" not in _latest_notice(app, courier_citizen.id).body  # not yet
    _move(client, make, officer, courier, "delivered")
    delivered = _latest_notice(app, courier_citizen.id)
    assert "已送达" in delivered.body and "欢迎在应用中为本次服务评分。" in delivered.body


def test_application_notices_are_declared(app):
    # Their four texts and placeholders are checked with the catalogues (tests/i18n).
    from services.notifications.templates import TEMPLATES

    assert TEMPLATES["application_dispatched"].body.context == (
        "notification.application_dispatched.body"
    )
    for state in ("collected", "delivered"):
        assert TEMPLATES[f"application_{state}"].body.context == (
            "notification.application_rating_open.body"
        )
    moved = TEMPLATES["application_expected_date_moved"]
    assert moved.title.context == "notification.application_expected_date_moved.title"


# --- my own rating ------------------------------------------------------------------------
def test_the_application_says_whether_i_rated(app, client, make, setup):
    post, service, officer = setup
    citizen, application_id = _owned(app, make, post, service, officer)
    mine = {**make.auth(citizen), "Accept-Language": "vi"}
    url = f"/api/v1/applications/{application_id}"

    before = client.get(url, headers=mine).get_json()
    assert before["rating"] is None and before["next_action"] != "rate"
    for state in (*TO_COLLECTED, "collected"):
        _move(client, make, officer, application_id, state)
    collected = client.get(url, headers=mine).get_json()
    assert collected["rating"] is None and collected["next_action"] == "rate"
    missing = client.get(f"{url}/rating", headers=mine)
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "rating_not_found"
    assert missing.get_json()["message"] == "Bạn chưa đánh giá hồ sơ này."

    rated = client.post(f"{url}/rating", json={"score": 5, "comment": "Rất nhanh"}, headers=mine)
    assert rated.status_code == 201
    after = client.get(url, headers=mine).get_json()
    assert after["next_action"] == "none"
    assert after["rating"]["score"] == 5 and after["rating"]["comment"] == "Rất nhanh"
    listed = client.get("/api/v1/applications", headers=mine).get_json()
    assert listed[0]["rating"]["score"] == 5
    own = client.get(f"{url}/rating", headers=mine)
    assert own.status_code == 200 and own.get_json()["comment"] == "Rất nhanh"

    stranger = make.auth(make.citizen())
    other = client.get(f"{url}/rating", headers=stranger)
    assert other.status_code == 404 and other.get_json()["error"] == "application_not_found"


# --- officers read the comments -------------------------------------------------------------
def test_officers_read_the_ratings_of_their_post(app, client, make, setup):
    post, service, officer = setup
    written = []
    for score, comment in ((2, "Long queue"), (5, None), (4, "Friendly staff")):
        citizen, application_id = _collected(app, client, make, post, service, officer)
        body = {"score": score} if comment is None else {"score": score, "comment": comment}
        assert (
            client.post(
                f"/api/v1/applications/{application_id}/rating",
                json=body,
                headers=make.auth(citizen),
            ).status_code
            == 201
        )
        written.append(application_id)
    elsewhere, other_service = make.walk_in_post()
    other_officer = make.staff("officer", posts=[elsewhere.code])
    citizen, other_app = _collected(app, client, make, elsewhere, other_service, other_officer)
    client.post(
        f"/api/v1/applications/{other_app}/rating",
        json={"score": 1, "comment": "Somewhere else"},
        headers=make.auth(citizen),
    )

    headers = make.auth(officer)
    url = f"/api/v1/staff/posts/{post.code}/ratings"
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    ratings = response.get_json()
    assert [r["application_id"] for r in ratings] == written[::-1]  # newest first
    assert [r["comment"] for r in ratings] == ["Friendly staff", None, "Long queue"]
    assert ratings[0]["service"] == service.code and ratings[0]["number"].startswith("FRT")
    # Nothing about the account that wrote it.
    assert all(set(r) == {"id", "application_id", "number", "service", "score", "comment",
                          "created_at"} for r in ratings)  # fmt: skip
    assert '"total": 3' in response.headers["X-Pagination"]

    commented = client.get(f"{url}?with_comment=true", headers=headers).get_json()
    assert [r["comment"] for r in commented] == ["Friendly staff", "Long queue"]
    assert [r["score"] for r in client.get(f"{url}?score=2", headers=headers).get_json()] == [2]
    page = client.get(f"{url}?page=2&page_size=2", headers=headers).get_json()
    assert [r["comment"] for r in page] == ["Long queue"]
    assert client.get(f"{url}?score=6", headers=headers).status_code == 422

    assert client.get(url, headers=make.auth(other_officer)).status_code == 403
    assert client.get(url, headers=make.auth(citizen)).status_code == 403
    assert client.get(url).status_code == 401
