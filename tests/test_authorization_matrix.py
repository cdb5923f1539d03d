"""The authorization matrix: every route that takes an object id or a post code, called by
anonymous, the owner, another citizen, an officer of the post, an officer of another post
and an admin. Each gets exactly what it should; another citizen gets the very same 404 as
for an id that does not exist, so it never learns that the object exists.

A test also fails when a new route with an id appears without a row here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from services.core.db import db, unit_of_work

ROLES = ("anonymous", "owner", "other_citizen", "officer", "other_officer", "admin")
ALLOW = "allow"  # anything but 401/403/404, and never 5xx


@dataclass
class Case:
    method: str
    path: str  # {name} placeholders filled from the world
    expect: dict[str, int | str]
    body: dict | None = None
    # placeholder -> a value that exists nowhere
    missing: dict[str, str] = field(default_factory=dict)
    # after the first allowed caller deleted it, the next may get 404
    deletes: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def everyone(value, **overrides):
    table = {role: value for role in ROLES}
    table.update(overrides)
    return table


CITIZEN_ONLY = everyone(404, anonymous=401, owner=ALLOW)
STAFF_OF_POST = everyone(403, anonymous=401, officer=ALLOW, admin=ALLOW)
ADMIN_ONLY = everyone(403, anonymous=401, admin=ALLOW)
PUBLIC = everyone(ALLOW)
# Alerts are scoped by country: an officer whose posts are elsewhere does not see them at all.
STAFF_OF_COUNTRY = everyone(403, anonymous=401, officer=ALLOW, other_officer=404, admin=ALLOW)
# Only a traveller registered in (or following) the alert's country answers a check-in.
RECIPIENT_ONLY = everyone(403, anonymous=401, owner=ALLOW)

CASES = [
    Case("GET", "/api/v1/applicants/{applicant}", CITIZEN_ONLY, missing={"applicant": "999999"}),
    Case(
        "PATCH",
        "/api/v1/applicants/{applicant}",
        CITIZEN_ONLY,
        body={"sex": "F"},
        missing={"applicant": "999999"},
    ),
    Case("DELETE", "/api/v1/applicants/{applicant}", CITIZEN_ONLY, missing={"applicant": "999999"}),
    Case(
        "GET", "/api/v1/applications/{application}", CITIZEN_ONLY, missing={"application": "999999"}
    ),
    Case(
        "POST",
        "/api/v1/applications/{application}/withdraw",
        CITIZEN_ONLY,
        body={},
        missing={"application": "999999"},
    ),
    Case(
        "POST",
        "/api/v1/applications/{application}/rating",
        CITIZEN_ONLY,
        body={"score": 5},
        missing={"application": "999999"},
    ),
    Case("GET", "/api/v1/applications/{rated}/rating", CITIZEN_ONLY, missing={"rated": "999999"}),
    Case("DELETE", "/api/v1/devices/{device}", CITIZEN_ONLY, missing={"device": "999999"}),
    Case(
        "POST",
        "/api/v1/notifications/{notification}/read",
        CITIZEN_ONLY,
        missing={"notification": "999999"},
    ),
    Case("GET", "/api/v1/staff/applications/{application}", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/applications/{application}/documents", STAFF_OF_POST),
    Case(
        "GET",
        "/api/v1/staff/applications/{application}/documents/{document}/download",
        STAFF_OF_POST,
    ),
    Case(
        "POST",
        "/api/v1/staff/applications/{application}/transitions",
        STAFF_OF_POST,
        body={"to": "accepted"},
    ),
    Case("GET", "/api/v1/staff/posts/{post}/applications", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/posts/{post}/application-metrics", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/posts/{post}/ratings", STAFF_OF_POST),
    Case(
        "POST",
        "/api/v1/staff/posts/{post}/applications/walk-in",
        STAFF_OF_POST,
        body={
            "service": "{service}",
            "person": {
                "surname_latin": "Le",
                "given_names_latin": "Van B",
                "date_of_birth": "1980-01-01",
            },
        },
    ),
    Case("GET", "/api/v1/staff/posts/{post}/audit-log", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/posts/{post}/legalizations", STAFF_OF_POST),
    Case("POST", "/api/v1/staff/posts/{post}/legalizations/import", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/legalizations/{legalization}", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/legalizations/{legalization}/qr.svg", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/legalizations/{legalization}/verification-link", STAFF_OF_POST),
    Case(
        "POST",
        "/api/v1/staff/legalizations/{legalization}/revoke",
        STAFF_OF_POST,
        body={"reason": "issued in error"},
    ),
    Case("POST", "/api/v1/admin/deliveries/{delivery}/retry", ADMIN_ONLY),
    Case("PATCH", "/api/v1/admin/posts/{post}", ADMIN_ONLY, body={"city": "Paris"}),
    Case("PUT", "/api/v1/admin/posts/{post}/fees/{service}", ADMIN_ONLY, body={"amount": "10"}),
    Case("PATCH", "/api/v1/admin/services/{service}", ADMIN_ONLY, body={"processing_days": 9}),
    Case("GET", "/api/v1/trips/{trip}", CITIZEN_ONLY, missing={"trip": "999999"}),
    Case(
        "PATCH",
        "/api/v1/trips/{trip}",
        CITIZEN_ONLY,
        body={"city": "Lyon"},
        missing={"trip": "999999"},
    ),
    Case("DELETE", "/api/v1/trips/{trip}", CITIZEN_ONLY, missing={"trip": "999999"}),
    Case("DELETE", "/api/v1/follows/{followed}", CITIZEN_ONLY, missing={"followed": "JP"}),
    Case("GET", "/api/v1/alerts/{alert}", PUBLIC),
    Case(
        "POST",
        "/api/v1/alerts/{alert}/responses",
        RECIPIENT_ONLY,
        body={"status": "need_help", "message": "help"},
    ),
    Case("GET", "/api/v1/alerts/{alert}/responses/mine", everyone(404, anonymous=401, owner=ALLOW)),
    Case("GET", "/api/v1/staff/alerts/{alert}", STAFF_OF_COUNTRY),
    Case(
        "PATCH",
        "/api/v1/staff/alerts/{alert}",
        STAFF_OF_COUNTRY,
        body={"reason": "typo", "title": {"en": "Strike"}},
    ),
    Case("POST", "/api/v1/staff/alerts/{alert}/submit", STAFF_OF_COUNTRY),
    Case("POST", "/api/v1/staff/alerts/{alert}/approve", STAFF_OF_COUNTRY, body={"version": 1}),
    Case(
        "POST",
        "/api/v1/staff/alerts/{alert}/reject",
        STAFF_OF_COUNTRY,
        body={"version": 1, "reason": "not needed"},
    ),
    Case(
        "POST",
        "/api/v1/staff/alerts/{alert}/versions",
        STAFF_OF_COUNTRY,
        body={
            "kind": "update",
            "reason": "news",
            "title": {"en": "Update"},
            "body": {"en": "More news."},
        },
    ),
    Case("GET", "/api/v1/staff/alerts/{alert}/response-counts", STAFF_OF_COUNTRY),
    Case("GET", "/api/v1/staff/alerts/{alert}/responses", STAFF_OF_COUNTRY),
    Case("POST", "/api/v1/staff/alerts/{alert}/responses/{response}/handled", STAFF_OF_COUNTRY),
    Case(
        "POST",
        "/api/v1/staff/alerts/{alert}/cancel",
        STAFF_OF_COUNTRY,
        body={"reason": "it is over"},
    ),
    Case(
        "GET", "/api/v1/appointments/{appointment}", CITIZEN_ONLY, missing={"appointment": "999999"}
    ),
    Case(
        "GET",
        "/api/v1/appointments/{appointment}/qr.svg",
        CITIZEN_ONLY,
        missing={"appointment": "999999"},
    ),
    Case(
        "GET",
        "/api/v1/appointments/{appointment}/calendar.ics",
        CITIZEN_ONLY,
        missing={"appointment": "999999"},
    ),
    Case(
        "POST",
        "/api/v1/appointments/{appointment}/reschedule",
        CITIZEN_ONLY,
        body={"slot_id": "{spare_slot}"},
        missing={"appointment": "999999"},
    ),
    Case(
        "POST",
        "/api/v1/appointments/{appointment}/cancel",
        CITIZEN_ONLY,
        body={},
        missing={"appointment": "999999"},
    ),
    Case("GET", "/api/v1/posts/{post}/availability?service={service}", PUBLIC),
    Case("GET", "/api/v1/staff/posts/{post}/booking-policy", STAFF_OF_POST),
    Case(
        "PATCH",
        "/api/v1/staff/posts/{post}/booking-policy",
        STAFF_OF_POST,
        body={"cancel_cutoff_hours": 12},
    ),
    Case("GET", "/api/v1/staff/posts/{post}/schedule-templates", STAFF_OF_POST),
    Case(
        "PATCH",
        "/api/v1/staff/posts/{post}/schedule-templates/{template}",
        STAFF_OF_POST,
        body={"capacity": 3},
    ),
    Case(
        "DELETE",
        "/api/v1/staff/posts/{post}/schedule-templates/{template}",
        STAFF_OF_POST,
        deletes=True,
    ),
    Case("GET", "/api/v1/staff/posts/{post}/closures", STAFF_OF_POST),
    Case("DELETE", "/api/v1/staff/posts/{post}/closures/{closure}", STAFF_OF_POST, deletes=True),
    Case("GET", "/api/v1/staff/posts/{post}/day-sheet", STAFF_OF_POST),
    Case(
        "POST",
        "/api/v1/staff/posts/{post}/check-in",
        STAFF_OF_POST,
        body={"code": "{booking_code}"},
    ),
    Case("POST", "/api/v1/staff/posts/{post}/appointments/{appointment}/no-show", STAFF_OF_POST),
    Case("POST", "/api/v1/staff/posts/{post}/appointments/{appointment}/complete", STAFF_OF_POST),
    Case(
        "POST",
        "/api/v1/staff/posts/{post}/appointments/{appointment}/application",
        STAFF_OF_POST,
        body={},
    ),
    Case(
        "GET",
        "/api/v1/applicants/{applicant}/documents",
        CITIZEN_ONLY,
        missing={"applicant": "999999"},
    ),
    Case(
        "POST",
        "/api/v1/applicants/{applicant}/documents",
        CITIZEN_ONLY,
        body={"kind": "supporting", "content_type": "application/pdf", "size": 100},
        missing={"applicant": "999999"},
    ),
    Case("GET", "/api/v1/documents/{document}", CITIZEN_ONLY, missing={"document": "999999"}),
    Case(
        "POST", "/api/v1/documents/{document}/confirm", CITIZEN_ONLY, missing={"document": "999999"}
    ),
    Case(
        "GET", "/api/v1/documents/{document}/download", CITIZEN_ONLY, missing={"document": "999999"}
    ),
    Case("DELETE", "/api/v1/documents/{document}", CITIZEN_ONLY, missing={"document": "999999"}),
    Case(
        "GET",
        "/api/v1/documents/{document}/staff-downloads",
        CITIZEN_ONLY,
        missing={"document": "999999"},
    ),
    Case("GET", "/api/v1/storage/local-download/{download}", PUBLIC),
    Case("GET", "/api/v1/payments/{payment}", CITIZEN_ONLY, missing={"payment": "999999"}),
    Case("GET", "/api/v1/payments/{payment}/receipt", CITIZEN_ONLY, missing={"payment": "999999"}),
    Case(
        "POST",
        "/api/v1/sandbox/payments/{payment}/simulate",
        CITIZEN_ONLY,
        body={"outcome": "failed"},
        missing={"payment": "999999"},
    ),
    Case("GET", "/api/v1/staff/payments/{payment}", STAFF_OF_POST),
    Case("POST", "/api/v1/staff/payments/{payment}/refunds", STAFF_OF_POST, body={"reason": "x"}),
    Case("GET", "/api/v1/posts/{post}", PUBLIC),
    Case("GET", "/api/v1/posts/{post}/services", PUBLIC),
    Case("GET", "/api/v1/legalizations/verify/{token}", PUBLIC),
    # Open formats and the sticker's pages: public by design.
    Case("GET", "/api/v1/alerts/{alert}/versions/{number}/cap.xml", PUBLIC),
    # The world's alert is live, not withdrawn: it has no Cancel, for anyone.
    Case("GET", "/api/v1/alerts/{alert}/cancel.xml", everyone(404)),
    Case("GET", "/L/{sealed}", PUBLIC),
    Case("GET", "/legalization-check/{token}", PUBLIC),
    Case("GET", "/api/v1/releases/{release}", PUBLIC),
    Case("GET", "/api/v1/releases/{release}/result", PUBLIC),
    Case("GET", "/api/v1/releases/{release}/check", PUBLIC),
    Case(
        "POST",
        "/api/v1/releases/{release}/requests",
        CITIZEN_ONLY,
        body={"applicant_id": "{second_applicant}", "preferences": [{"day": "{release_day}"}]},
    ),
    Case(
        "GET",
        "/api/v1/release-requests/{release_request}",
        CITIZEN_ONLY,
        missing={"release_request": "999999"},
    ),
    Case(
        "PATCH",
        "/api/v1/release-requests/{release_request}",
        CITIZEN_ONLY,
        body={"preferences": [{"day": "{release_day}", "from": "12:00"}]},
        missing={"release_request": "999999"},
    ),
    Case(
        "POST",
        "/api/v1/release-requests/{release_request}/withdraw",
        CITIZEN_ONLY,
        missing={"release_request": "999999"},
    ),
    Case("GET", "/api/v1/staff/posts/{post}/releases", STAFF_OF_POST),
    Case("GET", "/api/v1/staff/posts/{post}/releases/{release}", STAFF_OF_POST),
    Case("POST", "/api/v1/staff/posts/{post}/releases/{release}/cancel", STAFF_OF_POST),
    Case("POST", "/api/v1/staff/posts/{post}/releases/{release}/allocate", STAFF_OF_POST),
    Case("GET", "/api/v1/waitlist/{entry}", CITIZEN_ONLY, missing={"entry": "999999"}),
    Case("POST", "/api/v1/waitlist/{entry}/leave", CITIZEN_ONLY, missing={"entry": "999999"}),
    Case("GET", "/api/v1/waitlist-offers/{offer}", CITIZEN_ONLY, missing={"offer": "999999"}),
    Case(
        "POST", "/api/v1/waitlist-offers/{offer}/accept", CITIZEN_ONLY, missing={"offer": "999999"}
    ),
    Case(
        "POST", "/api/v1/waitlist-offers/{offer}/decline", CITIZEN_ONLY, missing={"offer": "999999"}
    ),
    # Another login of the owner: only the owner may end it; others learn nothing of it.
    Case(
        "DELETE",
        "/api/v1/me/sessions/{session}",
        CITIZEN_ONLY,
        missing={"session": "00000000-0000-0000-0000-000000000000"},
        deletes=True,
    ),
    # The caller's own data: anyone logged in, about themself.
    Case("GET", "/api/v1/me/sessions", everyone(ALLOW, anonymous=401)),
    Case("GET", "/api/v1/me/export", everyone(ALLOW, anonymous=401)),
]

# How each placeholder appears in Flask's rule text.
RULE_TEXT = {
    "applicant": "<int:applicant_id>",
    "application": "<int:application_id>",
    "rated": "<int:application_id>",
    "appointment": "<int:appointment_id>",
    "device": "<int:device_id>",
    "notification": "<int:notification_id>",
    "legalization": "<int:legalization_id>",
    "delivery": "<int:delivery_id>",
    "trip": "<int:trip_id>",
    "followed": "<string:country>",
    "alert": "<int:alert_id>",
    "response": "<int:response_id>",
    "template": "<int:template_id>",
    "closure": "<int:closure_id>",
    "post": "<string:code>",
    "token": "<string:token>",
    "document": "<int:document_id>",
    "payment": "<int:payment_id>",
    "download": "<string:token>",
    "number": "<int:number>",
    "sealed": "<path:payload>",
    "release": "<string:release_id>",
    "release_request": "<int:request_id>",
    "entry": "<int:entry_id>",
    "offer": "<int:offer_id>",
    "session": "<uuid:session_id>",
}


def _rule_of(case: Case) -> str:
    path = case.path.split("?")[0]
    # a service code is the post's <code> on admin service routes, <service_code> on fees
    service = "<string:service_code>" if "/fees/" in path else "<string:code>"
    return path.format(**RULE_TEXT, service=service)


COVERED = {_rule_of(case) for case in CASES}


def test_every_route_with_an_id_is_in_the_matrix(app):
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        # Static files (the app's, the documentation bundles'): no object behind an id.
        if "<" in rule.rule and rule.endpoint.rpartition(".")[2] != "static"
    }
    assert rules - COVERED == set()


@pytest.fixture
def world(app, make, client):
    """Two posts, their officers, an admin, two citizens, and one object of each kind."""
    from services.accounts import applicants
    from services.applications import applications
    from services.legalizations import links as legalization_links
    from services.models import Account, Delivery
    from services.notifications.notifications import notify, register_device
    from tests.services.alerts.support import add_trip, publish

    post, service = make.walk_in_post()
    other_post = make.post(country="DE", city="Berlin", time_zone="Europe/Berlin")
    accounts = {
        "owner": make.citizen(),
        "other_citizen": make.citizen(),
        "officer": make.staff("officer", posts=[post.code]),
        "other_officer": make.staff("officer", posts=[other_post.code]),
        "admin": make.staff("admin"),
    }
    legalization = make.legalization(post)
    with app.app_context():
        owner = db.session.get(Account, accounts["owner"].id)
        officer = db.session.get(Account, accounts["officer"].id)
        applicant = applicants.create_applicant(
            owner, {**make.applicant_payload(), "date_of_birth": date(1990, 5, 17)}
        )
        application = applications.open_for_applicant(
            officer, post.code, owner, applicant.id, {"service": service.code}
        )
        device, _ = register_device(
            owner, token="matrix-token-" + "m" * 30, platform="ios", locale="en", app_version=None
        )
        with unit_of_work():
            notification = notify(owner.id, "status_change", "test_message")
        delivery = db.session.scalar(select(Delivery).where(Delivery.device_id == device.id))
        delivery.status = "dead"
        db.session.commit()
        token = legalization_links.token_for(legalization)
        values = {
            "post": post.code,
            "service": service.code,
            "applicant": str(applicant.id),
            "application": str(application.id),
            "device": str(device.id),
            "notification": str(notification.id),
            "legalization": str(legalization.id),
            "delivery": str(delivery.id),
        }
        values["token"] = token
        # The sticker's sealed link as a browser requests it (escapes kept).
        values["sealed"] = legalization_links.link_for(legalization).url.split("/L/", 1)[1]
        values["number"] = "1"
    headers = {"anonymous": {}}
    for role, account in accounts.items():
        headers[role] = make.auth(account)
    # A published emergency alert for the post's country, a trip there, a follow elsewhere,
    # and the owner's "need help" answer.
    alert = publish(client, headers["officer"], headers["admin"], level="emergency")
    values["alert"] = str(alert["id"])
    values["trip"] = str(add_trip(client, headers["owner"], country="FR")["id"])
    assert (
        client.post("/api/v1/follows", json={"country": "DE"}, headers=headers["owner"]).status_code
        == 201
    )
    values["followed"] = "DE"
    answer = client.post(
        f"/api/v1/alerts/{alert['id']}/responses",
        json={"status": "need_help"},
        headers=headers["owner"],
    )
    assert answer.status_code in (200, 201), answer.get_json()
    values["response"] = str(answer.get_json()["id"])
    _add_appointments(app, make, client, values, headers)
    _add_releases(app, make, client, values, headers)
    _add_documents(app, values)
    _add_payment(app, values)
    _add_rating(app, values)
    _add_session(app, make, values)
    return values, headers


def _add_rating(app, values):
    """A second application of the owner's applicant, collected and rated by the owner."""
    from services.applications import applications, ratings
    from services.models import Account, Application

    with app.app_context():
        first = db.session.get(Application, int(values["application"]))
        owner = db.session.get(Account, first.account_id)
        officer = db.session.get(Account, first.opened_by)
        second = applications.open_for_applicant(
            officer, values["post"], owner, first.applicant_id, {"service": values["service"]}
        )
        for state in (
            "accepted",
            "in_review",
            "approved",
            "in_production",
            "ready_for_collection",
            "collected",
        ):
            applications.transition(officer, second.id, state)
        ratings.rate(owner, second.id, 4, "Clear instructions")
        values["rated"] = str(second.id)


def _add_session(app, make, values):
    """A second login session of the owner (not the one the matrix calls with)."""
    from flask_jwt_extended import decode_token

    from services.models import Account, Application

    with app.app_context():
        application = db.session.get(Application, int(values["application"]))
        email = db.session.get(Account, application.account_id).email
    tokens = make.login(email)
    with app.app_context():
        values["session"] = decode_token(tokens["access_token"])["sid"]


def _add_payment(app, values):
    """An open payment (sandbox gateway) for the owner's application."""
    from services.models import Account, Application
    from services.payments import checkout as payment_checkout

    with app.app_context():
        application = db.session.get(Application, int(values["application"]))
        owner = db.session.get(Account, application.account_id)
        values["payment"] = str(payment_checkout.start_payment(owner, application.id).id)


def _add_documents(app, values):
    """An accepted document of the owner's applicant (its stored copy written directly),
    and a download link to a stored file."""
    from services.core import integrations
    from services.documents import documents
    from services.models import Account, Applicant

    with app.app_context():
        applicant = db.session.get(Applicant, int(values["applicant"]))
        owner = db.session.get(Account, applicant.account_id)
        document = documents.request_upload(
            owner,
            applicant.id,
            {"kind": "supporting", "content_type": "application/pdf", "size": 100},
        ).document
        store = integrations.object_store()
        store.write(
            key="documents/matrix/file", data=b"%PDF-1.4 matrix", content_type="application/pdf"
        )
        document.status, document.storage_key = "accepted", "documents/matrix/file"
        db.session.commit()
        values["document"] = str(document.id)
        values["download"] = store.presign_download(
            key="documents/matrix/file", expires_in=300
        ).rsplit("/", 1)[1]


def _add_appointments(app, make, client, values, headers):
    """A booked appointment of the owner, a spare slot, a schedule template and a closure."""
    from datetime import UTC, datetime, timedelta

    from services.core.db import db
    from services.models import Applicant

    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = make.slot(values["post"], values["service"], start, capacity=2)
    spare = make.slot(values["post"], values["service"], start + timedelta(hours=1), capacity=2)
    with app.app_context():
        applicant_id = db.session.get(Applicant, int(values["applicant"])).id
    booked = client.post(
        "/api/v1/appointments",
        json={
            "applicant_id": applicant_id,
            "post": values["post"],
            "service": values["service"],
            "slot_id": slot.id,
        },
        headers=headers["owner"],
    )
    assert booked.status_code == 201, booked.get_json()
    values["appointment"] = str(booked.get_json()["id"])
    values["booking_code"] = booked.get_json()["code"]
    values["spare_slot"] = spare.id
    values["template"] = str(make.template(values["post"], [values["service"]]).id)
    closure = client.post(
        f"/api/v1/staff/posts/{values['post']}/closures",
        json={
            "first_day": (start + timedelta(days=30)).date().isoformat(),
            "reason": {"en": "Holiday"},
        },
        headers=headers["officer"],
    )
    assert closure.status_code == 201, closure.get_json()
    values["closure"] = str(closure.get_json()["id"])


def _add_releases(app, make, client, values, headers):
    """An open release at the post with the owner's request in it, and the owner's second
    applicant on the waitlist holding an offer of the spare slot's seat."""
    from datetime import UTC, datetime, timedelta

    from services.core.db import db, unit_of_work
    from services.core.local_time import local_date, zone
    from services.models import Account, Post, Release, Slot
    from services.releases.lottery import Preference
    from services.releases.waitlist import add_entries, offer_freed_seats

    now = datetime.now(UTC)
    day = (now + timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
    make.slot(values["post"], values["service"], day, capacity=3)
    opened = client.post(
        f"/api/v1/staff/posts/{values['post']}/releases",
        json={
            "service": values["service"],
            "first_day": day.date().isoformat(),
            "last_day": day.date().isoformat(),
            "opens_at": (now + timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(days=5)).isoformat(),
        },
        headers=headers["officer"],
    )
    assert opened.status_code == 201, opened.get_json()
    values["release"] = opened.get_json()["id"]
    values["release_day"] = day.date().isoformat()
    with app.app_context():
        release = db.session.scalar(select(Release).where(Release.public_id == values["release"]))
        release.opens_at = now - timedelta(minutes=1)  # the window is open now
        owner = db.session.get(Account, int(accounts_owner_id(values)))
        db.session.commit()
    asking, waiting, spare = (
        make.applicant(owner, passport_number=number).id
        for number in ("E7777777", "E8888888", "E9999999")
    )
    values["second_applicant"] = str(spare)
    asked = client.post(
        f"/api/v1/releases/{values['release']}/requests",
        json={"applicant_id": asking, "preferences": [{"day": values["release_day"]}]},
        headers=headers["owner"],
    )
    assert asked.status_code == 201, asked.get_json()
    values["release_request"] = str(asked.get_json()["id"])
    with app.app_context():
        spare = db.session.get(Slot, values["spare_slot"])
        # The day a traveller asks for is the post's own (the spare slot starts an hour
        # after the owner's: between 22:00 and 23:00 UTC its day in Paris is the next).
        spare_day = local_date(spare.starts_at, zone(db.session.get(Post, spare.post_id).time_zone))
        with unit_of_work():
            (entry,) = add_entries(
                spare.post_id,
                spare.service_type_id,
                None,
                [
                    {
                        "account_id": int(accounts_owner_id(values)),
                        "applicant_id": waiting,
                        "preferences": [Preference(spare_day)],
                    }
                ],
            )
            offer_freed_seats(spare.id)
        values["entry"] = str(entry)
        from services.models import WaitlistOffer

        offer = db.session.scalar(select(WaitlistOffer.id))
        assert offer is not None, "the spare seat was not offered to the traveller in line"
        values["offer"] = str(offer)


def accounts_owner_id(values):
    from services.core.db import db
    from services.models import Applicant

    return db.session.get(Applicant, int(values["applicant"])).account_id


def _fill(template, values):
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, str):
        filled = template.format(**values)
        return int(filled) if template == "{spare_slot}" else filled
    return template


def _call(client, case: Case, values, headers):
    kwargs = {"headers": headers}
    if case.body is not None:
        kwargs["json"] = _fill(case.body, values)
    if case.path.endswith("/import"):
        kwargs = {"headers": headers, "data": b"a,b\n", "content_type": "text/csv"}
    return client.open(case.path.format(**values), method=case.method, **kwargs)


# Callers that may not act go first, so a destructive call by an allowed one cannot hide them.
ORDER = ("anonymous", "other_citizen", "other_officer", "officer", "admin", "owner")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matrix(client, world, case: Case):
    values, headers = world
    deleted = False
    for role in ORDER:
        expected = case.expect[role]
        response = _call(client, case, values, headers[role])
        status = response.status_code
        assert status < 500, (role, status)
        if expected == ALLOW and deleted:
            assert status == 404, (role, status)
        elif expected == ALLOW:
            assert status not in (401, 403, 404), (role, status, response.get_json())
            deleted = case.deletes
        else:
            assert status == expected, (role, status, response.get_json())
        if expected == 404 and case.missing:
            absent = _call(client, case, {**values, **case.missing}, headers[role])
            assert absent.status_code == 404
            assert absent.get_json() == response.get_json(), "a 404 must reveal nothing"
