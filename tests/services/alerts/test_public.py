"""The public alert list: by country, ETag, the request's language with English fallback,
no officer data, and expiry (a query-time filter plus the job that marks alerts)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from services.alerts.alerts import expire_alerts
from services.core.db import db
from services.models import Alert
from services.models.types import utcnow
from tests.services.alerts.support import draft, ok, publish


def test_list_by_country_with_etag_and_language(client, staff):
    paris = publish(client, staff.author, staff.approver)
    berlin = publish(client, staff.admin, staff.admin2, countries=["DE"], level="caution")
    draft(client, staff.author)  # drafts are never public

    everything = ok(client.get("/api/v1/alerts"))
    assert [a["id"] for a in everything] == [berlin["id"], paris["id"]]
    french = client.get("/api/v1/alerts?country=FR")
    assert [a["id"] for a in french.get_json()] == [paris["id"]]
    assert client.get("/api/v1/alerts?country=fr").status_code == 422

    etag = french.headers["ETag"]
    cached = client.get("/api/v1/alerts?country=FR", headers={"If-None-Match": etag})
    assert cached.status_code == 304

    vietnamese = ok(client.get("/api/v1/alerts?country=FR", headers={"Accept-Language": "vi"}))[0]
    assert (vietnamese["language"], vietnamese["title"]) == ("vi", "Đình công giao thông")
    assert (
        client.get(
            "/api/v1/alerts?country=FR", headers={"Accept-Language": "vi", "If-None-Match": etag}
        ).status_code
        == 200
    )  # another language is another representation
    traditional = ok(client.get("/api/v1/alerts?country=FR", headers={"Accept-Language": "zh-TW"}))[
        0
    ]
    assert (traditional["language"], traditional["title"]) == ("en", "Transport strike")

    item = everything[1]
    assert set(item) == {
        "id",
        "level",
        "kind",
        "version",
        "countries",
        "region",
        "language",
        "title",
        "body",
        "first_published_at",
        "updated_at",
        "expires_at",
        "active",
        "check_in",
    }  # nothing about the officers who wrote or approved it
    assert (item["level"], item["kind"], item["countries"], item["region"]) == (
        "warning",
        "initial",
        ["FR"],
        "Paris",
    )


def test_expired_alerts_leave_the_list(app, client, staff):
    alert = publish(client, staff.author, staff.approver)
    listed = client.get("/api/v1/alerts?country=FR")
    assert len(listed.get_json()) == 1
    with app.app_context():
        db.session.execute(update(Alert).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()

    # Gone at once, before any job runs; the ETag changes with it.
    after = client.get("/api/v1/alerts?country=FR")
    assert after.get_json() == []
    assert after.headers["ETag"] != listed.headers["ETag"]
    one = ok(client.get(f"/api/v1/alerts/{alert['id']}"))  # an inbox link still opens
    assert (one["active"], one["check_in"]) == (False, False)

    with app.app_context():
        assert expire_alerts() == 1
        assert expire_alerts() == 0
    detail = ok(client.get(f"/api/v1/staff/alerts/{alert['id']}", headers=staff.author))
    assert detail["status"] == "expired"
    closed = client.post(
        f"/api/v1/staff/alerts/{alert['id']}/versions",
        json={"kind": "update", "reason": "extend"},
        headers=staff.author,
    )
    assert (closed.status_code, closed.get_json()["error"]) == (409, "alert_closed")


def test_unpublished_alerts_are_not_found(client, staff):
    alert = draft(client, staff.author)
    assert client.get(f"/api/v1/alerts/{alert['id']}").status_code == 404
    assert client.get("/api/v1/alerts/999999").status_code == 404


def test_an_all_clear_makes_the_alert_inactive_at_once(client, staff):
    from tests.services.alerts.support import approve, submit

    over = publish(client, staff.author, staff.approver, level="emergency")
    current = publish(client, staff.author, staff.approver, level="warning")
    assert ok(client.get(f"/api/v1/alerts/{over['id']}"))["active"] is True
    ok(
        client.post(
            f"/api/v1/staff/alerts/{over['id']}/versions",
            json={
                "kind": "all_clear",
                "reason": "strike over",
                "title": {"en": "All clear"},
                "body": {"en": "Trains run normally."},
            },
            headers=staff.author,
        ),
        201,
    )
    submit(client, staff.author, over["id"])
    # Until the all-clear is approved the danger stands.
    assert ok(client.get(f"/api/v1/alerts/{over['id']}"))["active"] is True
    approve(client, staff.approver, over["id"], 2)

    # Long before it expires, the all-clear is inactive everywhere the app reads it.
    one = ok(client.get(f"/api/v1/alerts/{over['id']}"))
    assert (one["kind"], one["active"], one["check_in"]) == ("all_clear", False, False)
    listed = {a["id"]: a["active"] for a in ok(client.get("/api/v1/alerts?country=FR"))}
    assert listed == {over["id"]: False, current["id"]: True}  # still listed, to say so
    assert [a["id"] for a in ok(client.get("/api/v1/alerts?country=FR&active=true"))] == [
        current["id"]
    ]
    assert [a["id"] for a in ok(client.get("/api/v1/alerts?active=false"))] == [over["id"]]
