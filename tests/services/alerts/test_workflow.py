"""The officers' workflow over HTTP: draft, edit (versioned with a reason), submit,
approval by a different officer, rejection with a reason, updates and all-clear through
approval again, withdrawal, and the country scope of officers."""

from __future__ import annotations

from sqlalchemy import select

from services.core.db import db
from services.models import AuditLog
from tests.services.alerts.support import (
    STAFF,
    alert_payload,
    approve,
    draft,
    ok,
    publish,
    submit,
)


def _topics(log_push) -> list[str]:
    return sorted(entry.message.topic for entry in log_push.sent)


def _error(response, status: int, code: str) -> None:
    assert (response.status_code, response.get_json()["error"]) == (status, code)


def test_draft_submit_and_approval_by_another_officer(app, client, staff, log_push):
    alert = draft(client, staff.author)
    assert alert["status"] == "draft"
    assert alert["open_version"]["number"] == 1
    assert alert["open_version"]["reason"] == "first draft"
    alert_url = f"{STAFF}/{alert['id']}"

    # Nothing is public or pushed before approval.
    assert ok(client.get("/api/v1/alerts?country=FR")) == []
    _error(
        client.post(f"{alert_url}/approve", json={"version": 1}, headers=staff.approver),
        409,
        "alert_not_pending",
    )
    pending = submit(client, staff.author, alert["id"])
    assert (pending["status"], pending["open_version"]["status"]) == (
        "pending_approval",
        "pending_approval",
    )
    _error(client.post(f"{alert_url}/submit", headers=staff.author), 409, "alert_not_draft")

    _error(
        client.post(f"{alert_url}/approve", json={"version": 1}, headers=staff.author),
        403,
        "approver_is_author",
    )
    _error(
        client.post(f"{alert_url}/approve", json={"version": 7}, headers=staff.approver),
        409,
        "alert_version_changed",
    )
    assert log_push.sent == []

    published = approve(client, staff.approver, alert["id"], 1)
    assert published["status"] == "published"
    assert published["open_version"] is None
    version = published["published_version"]
    assert (version["created_by"], version["decided_by"]) == (
        staff.id_of("author"),
        staff.id_of("approver"),
    )
    assert _topics(log_push) == [
        "alerts-FR-en",
        "alerts-FR-vi",
        "alerts-FR-zh-Hans",
        "alerts-FR-zh-Hant",
    ]
    assert {d["status"] for d in published["dispatches"]} == {"sent"}
    assert [a["id"] for a in ok(client.get("/api/v1/alerts?country=FR"))] == [alert["id"]]
    _error(
        client.post(f"{alert_url}/approve", json={"version": 1}, headers=staff.third),
        409,
        "alert_not_pending",
    )

    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.target_type == "alert").order_by(AuditLog.id)
        ).all()
    assert actions == ["alert.create", "alert.submit", "alert.approve"]


def test_every_edit_is_a_version_with_a_reason_and_editors_cannot_approve(client, staff):
    alert = draft(client, staff.author)
    url = f"{STAFF}/{alert['id']}"
    no_reason = client.patch(url, json={"level": "caution"}, headers=staff.approver)
    assert no_reason.status_code == 422
    edited = ok(
        client.patch(url, json={"level": "caution", "reason": "tone down"}, headers=staff.approver)
    )
    assert edited["open_version"]["number"] == 2
    assert edited["open_version"]["level"] == "caution"
    assert [(v["number"], v["status"], v["reason"]) for v in edited["versions"]] == [
        (1, "edited", "first draft"),
        (2, "draft", "tone down"),
    ]
    submit(client, staff.author, alert["id"])
    # Editing a version awaiting approval sends it back to draft as a new version.
    back = ok(
        client.patch(
            url, json={"region": "Île-de-France", "reason": "wider area"}, headers=staff.author
        )
    )
    assert (back["status"], back["open_version"]["number"]) == ("draft", 3)
    submit(client, staff.author, alert["id"])

    # The author and the officer who edited both wrote this version: neither approves.
    for headers in (staff.author, staff.approver):
        _error(
            client.post(f"{url}/approve", json={"version": 3}, headers=headers),
            403,
            "approver_is_author",
        )
    published = approve(client, staff.third, alert["id"], 3)
    assert published["published_version"]["region"] == "Île-de-France"
    assert [v["status"] for v in published["versions"]] == ["edited", "edited", "published"]


def test_rejection_needs_a_reason_and_is_final(client, staff, log_push):
    alert = draft(client, staff.author)
    url = f"{STAFF}/{alert['id']}"
    submit(client, staff.author, alert["id"])
    assert (
        client.post(f"{url}/reject", json={"version": 1}, headers=staff.approver).status_code == 422
    )
    assert (
        client.post(
            f"{url}/reject", json={"version": 1, "reason": ""}, headers=staff.approver
        ).status_code
        == 422
    )
    _error(
        client.post(
            f"{url}/reject", json={"version": 1, "reason": "not verified"}, headers=staff.author
        ),
        403,
        "approver_is_author",
    )
    rejected = ok(
        client.post(
            f"{url}/reject", json={"version": 1, "reason": "not verified"}, headers=staff.approver
        )
    )
    assert rejected["status"] == "rejected"
    assert rejected["versions"][0]["decision_reason"] == "not verified"
    _error(
        client.patch(url, json={"level": "caution", "reason": "retry"}, headers=staff.author),
        409,
        "alert_not_editable",
    )
    _error(
        client.post(f"{url}/cancel", json={"reason": "tidy up"}, headers=staff.author),
        409,
        "alert_closed",
    )
    assert log_push.sent == []


def test_updates_and_all_clear_go_through_approval(client, staff, log_push):
    alert = publish(client, staff.author, staff.approver, level="emergency")
    url = f"{STAFF}/{alert['id']}"
    log_push.clear()
    no_reason = client.post(f"{url}/versions", json={"kind": "update"}, headers=staff.author)
    assert no_reason.status_code == 422
    update = ok(
        client.post(
            f"{url}/versions",
            json={"kind": "update", "reason": "new facts", "body": {"en": "Trains resume."}},
            headers=staff.author,
        ),
        201,
    )
    assert (update["status"], update["open_version"]["number"]) == ("published", 2)
    assert update["open_version"]["title"] == alert_payload()["title"]  # kept
    _error(
        client.post(
            f"{url}/versions", json={"kind": "update", "reason": "again"}, headers=staff.author
        ),
        409,
        "alert_has_open_version",
    )

    # Until approved, the public still sees version 1 and nothing is pushed.
    public = ok(client.get(f"/api/v1/alerts/{alert['id']}"))
    assert (public["version"], public["body"]) == (1, "Expect no trains on Thursday.")
    submit(client, staff.author, alert["id"])
    assert log_push.sent == []
    approve(client, staff.approver, alert["id"], 2)
    public = ok(client.get(f"/api/v1/alerts/{alert['id']}"))
    assert (public["version"], public["kind"], public["body"]) == (2, "update", "Trains resume.")
    assert len(log_push.sent) == 4

    needs_text = client.post(
        f"{url}/versions", json={"kind": "all_clear", "reason": "over"}, headers=staff.author
    )
    assert needs_text.status_code == 422
    ok(
        client.post(
            f"{url}/versions",
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
    submit(client, staff.author, alert["id"])
    done = approve(client, staff.approver, alert["id"], 3)
    assert [v["status"] for v in done["versions"]] == ["superseded", "superseded", "published"]
    all_clear = [e.message for e in log_push.sent][-4:]
    assert {m.title for m in all_clear} == {"All clear"}
    assert not any(m.high_priority for m in all_clear)  # the all-clear is not urgent
    public = ok(client.get(f"/api/v1/alerts/{alert['id']}"))
    assert (public["kind"], public["check_in"]) == ("all_clear", False)


def test_withdrawing_an_update_or_the_whole_alert(client, staff):
    alert = publish(client, staff.author, staff.approver)
    url = f"{STAFF}/{alert['id']}"
    ok(
        client.post(
            f"{url}/versions", json={"kind": "update", "reason": "typo"}, headers=staff.author
        ),
        201,
    )
    assert (
        client.post(f"{url}/cancel", json={"version": 2}, headers=staff.author).status_code == 422
    )
    _error(
        client.post(
            f"{url}/cancel", json={"version": 5, "reason": "wrong one"}, headers=staff.author
        ),
        409,
        "alert_version_changed",
    )
    kept = ok(
        client.post(
            f"{url}/cancel", json={"version": 2, "reason": "not needed"}, headers=staff.author
        )
    )
    assert kept["status"] == "published" and kept["open_version"] is None
    assert len(ok(client.get("/api/v1/alerts?country=FR"))) == 1

    gone = ok(
        client.post(f"{url}/cancel", json={"reason": "published by mistake"}, headers=staff.third)
    )
    assert (gone["status"], gone["cancel_reason"]) == ("cancelled", "published by mistake")
    assert ok(client.get("/api/v1/alerts?country=FR")) == []
    assert client.get(f"/api/v1/alerts/{alert['id']}").status_code == 404


def test_officers_act_on_the_countries_of_their_posts(client, make, staff):
    # A German post's officer neither drafts for France nor sees French alerts.
    _error(
        client.post(STAFF, json=alert_payload(), headers=staff.german),
        403,
        "country_scope_forbidden",
    )
    french = draft(client, staff.author)
    assert client.get(f"{STAFF}/{french['id']}", headers=staff.german).status_code == 404
    assert ok(client.get(STAFF, headers=staff.german)) == []
    assert (
        client.patch(
            f"{STAFF}/{french['id']}",
            json={"level": "caution", "reason": "mine"},
            headers=staff.german,
        ).status_code
        == 404
    )

    # An alert for France and Germany (drafted by an admin): each officer sees it, and only
    # someone with both countries in scope may approve it.
    both = draft(client, staff.admin, countries=["DE", "FR"])
    submit(client, staff.admin, both["id"])
    assert [a["id"] for a in ok(client.get(STAFF, headers=staff.german))] == [both["id"]]
    _error(
        client.post(f"{STAFF}/{both['id']}/approve", json={"version": 1}, headers=staff.approver),
        403,
        "country_scope_forbidden",
    )
    _error(
        client.patch(
            f"{STAFF}/{french['id']}",
            json={"countries": ["FR", "DE"], "reason": "wider"},
            headers=staff.author,
        ),
        403,
        "country_scope_forbidden",
    )
    other_admin = make.auth(make.staff("admin"))
    assert approve(client, other_admin, both["id"], 1)["status"] == "published"

    # Citizens never reach the staff routes.
    citizen = make.auth(make.citizen())
    assert client.get(STAFF, headers=citizen).status_code == 403
    assert client.post(STAFF, json=alert_payload(), headers=citizen).status_code == 403


def test_draft_validation(client, staff):
    def post(**overrides):
        return client.post(STAFF, json=alert_payload(**overrides), headers=staff.author)

    assert post(title={"vi": "Chỉ tiếng Việt"}).status_code == 422  # English is required
    assert post(level="panic").status_code == 422
    assert post(countries=[]).status_code == 422
    assert post(expires_at="2030-01-01T00:00:00").status_code == 422  # no offset
    _error(post(expires_at="2020-01-01T00:00:00+00:00"), 422, "alert_expiry_invalid")
    _error(post(expires_at="2099-01-01T00:00:00+00:00"), 422, "alert_expiry_invalid")
    assert post(body={"en": "x" * 4001}).status_code == 422
