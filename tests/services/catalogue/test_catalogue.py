"""Public catalogue reads with ETags, admin management, audit log, staff post scoping."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo(app):
    from services.demo import seed_demo

    with app.app_context():
        seed_demo()


def test_list_posts_and_filter_by_country(client, demo):
    response = client.get("/api/v1/posts?page_size=50")
    assert response.status_code == 200
    codes = [post["code"] for post in response.get_json()]
    assert codes == sorted(codes) and len(codes) == 8
    paris = next(p for p in response.get_json() if p["code"] == "FR-PAR")
    assert paris["time_zone"] == "Europe/Paris"
    assert paris["currency_exponent"] == 2
    japan = client.get("/api/v1/posts?country=JP").get_json()
    assert [p["code"] for p in japan] == ["JP-TYO"]
    assert client.get("/api/v1/posts?country=ZZ").status_code == 422


def test_post_names_follow_accept_language(client, demo):
    hans = client.get("/api/v1/posts/FR-PAR", headers={"Accept-Language": "zh-CN"}).get_json()
    hant = client.get("/api/v1/posts/FR-PAR", headers={"Accept-Language": "zh-HK"}).get_json()
    vi = client.get("/api/v1/posts/fr-par", headers={"Accept-Language": "vi"}).get_json()
    assert hans["name"] == "驻法国大使馆"
    assert hant["name"] == "駐法國大使館"
    assert vi["name"] == "Đại sứ quán tại Paris"
    assert client.get("/api/v1/posts/XX-NONE").status_code == 404


def test_fees_carry_the_currency_exponent(client, demo):
    def fee(post, service):
        services = client.get(f"/api/v1/posts/{post}/services").get_json()
        return next(s for s in services if s["code"] == service)["fee"]

    jpy = fee("JP-TYO", "passport_new")
    assert (jpy["amount_minor"], jpy["currency"], jpy["exponent"]) == (8000, "JPY", 0)
    vnd = fee("VN-HAN", "passport_new")
    assert (vnd["amount_minor"], vnd["exponent"]) == (1200000, 0)
    kwd = fee("KW-KWI", "travel_document")
    assert (kwd["amount_minor"], kwd["currency"], kwd["exponent"]) == (7125, "KWD", 3)
    eur = fee("FR-PAR", "passport_replacement")
    assert (eur["amount_minor"], eur["exponent"]) == (7550, 2)
    assert "75.50" in eur["display"]


def test_services_list_materials_in_the_requested_language(client, demo):
    services = client.get(
        "/api/v1/posts/AU-SYD/services", headers={"Accept-Language": "vi"}
    ).get_json()
    renewal = next(s for s in services if s["code"] == "passport_renewal")
    assert renewal["name"] == "Gia hạn / đổi hộ chiếu"
    assert "Hộ chiếu hiện tại" in renewal["materials"]
    assert renewal["processing_days"] == 10


def test_etag_and_if_none_match(client, demo):
    first = client.get("/api/v1/posts/JP-TYO/services")
    etag = first.headers["ETag"]
    cached = client.get("/api/v1/posts/JP-TYO/services", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.get_data() == b""
    other_language = client.get(
        "/api/v1/posts/JP-TYO/services", headers={"If-None-Match": etag, "Accept-Language": "vi"}
    )
    assert other_language.status_code == 200
    assert "Accept-Language" in other_language.headers["Vary"]
    listing = client.get("/api/v1/posts")
    assert (
        client.get("/api/v1/posts", headers={"If-None-Match": listing.headers["ETag"]}).status_code
        == 304
    )


def test_etag_changes_when_the_fee_changes(client, make, demo):
    etag = client.get("/api/v1/posts/JP-TYO/services").headers["ETag"]
    admin = make.auth(make.staff("admin"))
    changed = client.put(
        "/api/v1/admin/posts/JP-TYO/fees/passport_new", json={"amount": "9000"}, headers=admin
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["fee"]["amount_minor"] == 9000
    assert (
        client.get("/api/v1/posts/JP-TYO/services", headers={"If-None-Match": etag}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("post", "amount", "status", "minor"),
    [
        ("KW-KWI", "12.345", 200, 12345),
        ("KW-KWI", "12.3456", 422, None),
        ("JP-TYO", "8000.5", 422, None),
        ("JP-TYO", "8000", 200, 8000),
        ("FR-PAR", "12.3", 200, 1230),
        ("FR-PAR", "-1", 422, None),
    ],
)
def test_fee_amounts_must_fit_the_currency(client, make, demo, post, amount, status, minor):
    admin = make.auth(make.staff("admin"))
    response = client.put(
        f"/api/v1/admin/posts/{post}/fees/passport_new", json={"amount": amount}, headers=admin
    )
    assert response.status_code == status, response.get_json()
    if minor is not None:
        assert response.get_json()["fee"]["amount_minor"] == minor


NEW_POST = {
    "code": "DE-BER",
    "kind": "embassy",
    "names": {"en": "Embassy in Berlin", "vi": "Đại sứ quán tại Berlin"},
    "country": "DE",
    "city": "Berlin",
    "time_zone": "Europe/Berlin",
    "address": "Märkisches Ufer 54, 10179 Berlin",
    "currency": "EUR",
}


def test_admin_manages_posts_and_every_change_is_audited(app, client, make, demo):
    admin_account = make.staff("admin")
    admin = make.auth(admin_account)
    created = client.post("/api/v1/admin/posts", json=NEW_POST, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert (
        client.post("/api/v1/admin/posts", json=NEW_POST, headers=admin).get_json()["error"]
        == "post_exists"
    )
    patched = client.patch(
        "/api/v1/admin/posts/DE-BER", json={"mobile_payment_enabled": True}, headers=admin
    )
    assert patched.get_json()["mobile_payment_enabled"] is True
    hidden = client.patch("/api/v1/admin/posts/DE-BER", json={"is_active": False}, headers=admin)
    assert hidden.status_code == 200
    assert client.get("/api/v1/posts/DE-BER").status_code == 404

    from sqlalchemy import select

    from services.core.db import db
    from services.models import AuditLog

    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.actor_id == admin_account.id)
            .order_by(AuditLog.id)
        ).all()
    assert actions == ["post.create", "post.update", "post.update"]


@pytest.mark.parametrize(
    "body",
    [
        {**NEW_POST, "time_zone": "Europe/Atlantis"},
        {**NEW_POST, "country": "XK1"},
        {**NEW_POST, "currency": "EURO"},
        {**NEW_POST, "currency": "XYZ"},
        {**NEW_POST, "names": {"vi": "no English"}},
        {**NEW_POST, "names": {"en": "x", "fr": "langue inconnue"}},
        {**NEW_POST, "kind": "palace"},
    ],
)
def test_post_validation(client, make, body):
    admin = make.auth(make.staff("admin"))
    response = client.post("/api/v1/admin/posts", json=body, headers=admin)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


def test_only_admins_manage_the_catalogue(client, make, demo):
    officer = make.auth(make.staff("officer", posts=["FR-PAR"]))
    citizen = make.auth(make.citizen())
    for headers, status in [(officer, 403), (citizen, 403), ({}, 401)]:
        assert (
            client.post("/api/v1/admin/posts", json=NEW_POST, headers=headers).status_code == status
        )
        assert (
            client.put(
                "/api/v1/admin/posts/FR-PAR/fees/passport_new",
                json={"amount": "1"},
                headers=headers,
            ).status_code
            == status
        )


def test_staff_post_scope(client, make, demo):
    admin = make.auth(make.staff("admin"))
    client.put("/api/v1/admin/posts/FR-PAR/fees/passport_new", json={"amount": "61"}, headers=admin)
    paris = make.auth(make.staff("officer", posts=["FR-PAR"]))
    tokyo = make.auth(make.staff("officer", posts=["JP-TYO"]))
    both = make.auth(make.staff("officer", posts=["JP-TYO", "FR-PAR"]))
    citizen = make.auth(make.citizen())
    url = "/api/v1/staff/posts/FR-PAR/audit-log"
    own = client.get(url, headers=paris)
    assert own.status_code == 200
    assert any(entry["action"] == "fee.set" for entry in own.get_json())
    assert client.get(url, headers=both).status_code == 200
    assert client.get(url, headers=admin).status_code == 200
    foreign = client.get(url, headers=tokyo)
    assert foreign.status_code == 403
    assert foreign.get_json()["error"] == "post_scope_forbidden"
    assert client.get(url, headers=citizen).status_code == 403
    assert client.get(url).status_code == 401


def test_repeated_catalogue_reads_are_served_from_memory(app, client, demo):
    from sqlalchemy import event

    from services.core.db import db

    first = client.get("/api/v1/posts/JP-TYO/services")
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        again = client.get("/api/v1/posts/JP-TYO/services")
        cached = client.get(
            "/api/v1/posts/JP-TYO/services", headers={"If-None-Match": first.headers["ETag"]}
        )
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert cached.status_code == 304
    assert statements == []
    # A different language is a different entry.
    assert (
        client.get("/api/v1/posts/JP-TYO/services", headers={"Accept-Language": "vi"}).get_json()[
            0
        ]["name"]
        != first.get_json()[0]["name"]
    )
