"""Public checks: the lookup by three numbers and the signed QR link.

Every miss must look the same, the submitter's name is masked when it is a person, nothing
internal leaks, answers are not cached, and a script is stopped by the per-IP rate limits.
"""

from __future__ import annotations

import base64
import io

import pytest

from tests.statements import statements_of

LOOKUP = "/api/v1/legalizations/lookup"
VERIFY = "/api/v1/legalizations/verify/"
PUBLIC_FIELDS = {
    "authentication_number",
    "sub_number",
    "sticker_number",
    "submitter_kind",
    "submitter_name",
    "country_of_use",
    "document_type",
    "document_title",
    "issuer",
    "signer",
    "legalized_on",
    "place",
    "post_code",
    "post_name",
    "status",
    "revoked_at",
}


@pytest.fixture
def post(make):
    return make.post(code="FR-PAR", city="Paris")


@pytest.fixture
def record(make, post):
    return make.legalization(
        post,
        authentication_number="2026-001234",
        sub_number="2",
        sticker_number="SK00098765",
        submitter_name="Nguyễn Văn An",
        notes="Applicant paid in cash; desk 3",
    )


def numbers(record, **overrides) -> dict:
    data = {
        "authentication_number": record.authentication_number,
        "sub_number": record.sub_number,
        "sticker_number": record.sticker_number,
    }
    data.update(overrides)
    return data


def from_ip(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{n}"}}


counted_queries = statements_of  # SQLAlchemy's statements and the kept connections' own


def test_lookup_answers_the_public_fields_only(client, record):
    response = client.post(LOOKUP, json=numbers(record))
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == PUBLIC_FIELDS
    assert body["submitter_kind"] == "person"
    assert body["submitter_name"] == "N*** V** A*"
    assert body["status"] == "valid"
    assert body["revoked_at"] is None
    assert body["country_of_use"] == "VN"
    assert (body["document_title"], body["issuer"], body["signer"]) == (
        "出生公证书",
        "北京市方正公证处",
        "王小明",
    )
    assert body["legalized_on"] == "2026-03-02"
    assert (body["place"], body["post_code"]) == ("Paris", "FR-PAR")
    text = response.get_data(as_text=True)
    for secret in ("Nguyễn", "cash", "desk 3", '"id"', "created_by", "notes"):
        assert secret not in text


def test_post_name_follows_the_request_language(client, record):
    response = client.post(LOOKUP, json=numbers(record), headers={"Accept-Language": "vi"})
    assert response.get_json()["post_name"].startswith("Cơ quan thử")


def test_an_agency_is_shown_by_name(client, make, post):
    agency = make.legalization(
        post, submitter_kind="agency", submitter_name="Công ty TNHH Hòa Bình"
    )
    response = client.post(LOOKUP, json=numbers(agency))
    assert response.get_json()["submitter_name"] == "Công ty TNHH Hòa Bình"


def test_numbers_are_matched_the_way_they_are_stored(client, record):
    typed = {
        "authentication_number": " ２０２６-００１２３４ ",  # full-width, as a Chinese IME types
        "sub_number": "2",
        "sticker_number": "sk00098765",
    }
    assert client.post(LOOKUP, json=typed).status_code == 200


def test_every_miss_is_the_same_404_and_costs_one_query(app, client, make, post, record):
    other = make.legalization(post)
    misses = [
        numbers(record, authentication_number="2026-001235"),
        numbers(record, sub_number="1"),
        numbers(record, sticker_number="SK00098766"),
        numbers(record, sub_number="1", sticker_number="SK00098766"),
        numbers(record, sticker_number=other.sticker_number),  # numbers of two records mixed
        {"authentication_number": "X", "sub_number": "Y", "sticker_number": "Z"},
        numbers(record, authentication_number="2026-001234" + "9" * 50),
    ]
    bodies = []
    for n, miss in enumerate(misses):
        with counted_queries(app) as statements:
            response = client.post(LOOKUP, json=miss, **from_ip(n))
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"
        assert len(statements) == 1, statements
        bodies.append(response.get_data())
    assert len(set(bodies)) == 1
    assert b"legalization_not_found" in bodies[0]

    with counted_queries(app) as statements:
        hit = client.post(LOOKUP, json=numbers(record), **from_ip(99))
    assert hit.status_code == 200
    assert len(statements) == 1  # the same single query finds a record as misses one


def test_a_miss_is_explained_in_the_request_language(client, record):
    response = client.post(
        LOOKUP,
        json=numbers(record, sub_number="9"),
        headers={"Accept-Language": "zh-Hant"},
    )
    assert response.get_json()["message"].startswith("找不到該領事認證")


def test_the_lookup_query_uses_the_unique_index(app, is_postgres, record):
    """On PostgreSQL the planner must reach the row through the three-number index."""
    if not is_postgres:
        pytest.skip("query plans are checked on PostgreSQL")
    from sqlalchemy import text

    from services.core.db import db

    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                text(
                    "EXPLAIN SELECT id FROM legalization WHERE authentication_number = 'A' "
                    "AND sub_number = 'B' AND sticker_number = 'C'"
                )
            )
        )
    assert "uq_legalization_authentication_number_sub_number_sticker_number" in plan


@pytest.mark.parametrize(
    "body",
    [
        {"authentication_number": "1", "sub_number": "1"},
        {"authentication_number": "1", "sub_number": "1", "sticker_number": ""},
        {"authentication_number": "1", "sub_number": "1", "sticker_number": "1", "id": 1},
    ],
)
def test_malformed_lookups_are_a_422(client, body):
    response = client.post(LOOKUP, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


def test_a_revoked_legalization_shows_its_status_and_date_but_not_why(client, make, post, record):
    officer = make.staff("officer", posts=[post.code])
    revoked = client.post(
        f"/api/v1/staff/legalizations/{record.id}/revoke",
        json={"reason": "Forged notarial seal"},
        headers=make.auth(officer),
    )
    assert revoked.status_code == 200
    response = client.post(LOOKUP, json=numbers(record))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "revoked"
    assert body["revoked_at"] == revoked.get_json()["revoked_at"]
    assert "Forged" not in response.get_data(as_text=True)


def test_lookups_are_rate_limited_per_ip(client, record):
    statuses = [client.post(LOOKUP, json=numbers(record)).status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]
    blocked = client.post(LOOKUP, json=numbers(record))
    assert blocked.get_json()["error"] == "rate_limited"
    assert "Retry-After" in blocked.headers
    assert client.post(LOOKUP, json=numbers(record), **from_ip(7)).status_code == 200


def test_misses_count_harder_and_the_signed_link_shares_the_limits(client, make, post, record):
    guesses = [
        client.post(LOOKUP, json=numbers(record, sticker_number=f"SK{n:08d}")).status_code
        for n in range(10)
    ]
    assert guesses == [404] * 10
    # After ten misses even the right numbers, and the QR link, wait.
    assert client.post(LOOKUP, json=numbers(record)).status_code == 429
    officer = make.staff("officer", posts=[post.code])
    token = client.get(
        f"/api/v1/staff/legalizations/{record.id}/verification-link",
        headers=make.auth(officer),
    ).get_json()["token"]
    assert client.get(VERIFY + token).status_code == 429
    assert client.get(VERIFY + token, **from_ip(8)).status_code == 200


# --- signed verification links ---------------------------------------------------------------


@pytest.fixture
def link(client, make, post, record) -> dict:
    officer = make.staff("officer", posts=[post.code])
    response = client.get(
        f"/api/v1/staff/legalizations/{record.id}/verification-link",
        headers=make.auth(officer),
    )
    assert response.status_code == 200
    return response.get_json()


def test_a_valid_link_gives_the_same_answer_as_the_lookup(client, record, link):
    # The QR code holds the sealed link (sealed_stickers' tests); the older token link,
    # printed on earlier stickers, keeps working.
    assert link["url"].startswith("HTTP://127.0.0.1:5000/L/PSH1:")
    old_url = "http://127.0.0.1:5000" + VERIFY + link["token"]
    # The numbers are not readable from the link: its payload is the id and a keyed digest.
    encoded = link["token"].split(".")[0]
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    assert payload.startswith(f"[{record.id},")
    assert record.authentication_number not in payload
    assert record.sticker_number not in payload
    verified = client.get(old_url.removeprefix("http://127.0.0.1:5000"))
    assert verified.status_code == 200
    assert verified.headers["Cache-Control"] == "no-store"
    looked_up = client.post(LOOKUP, json=numbers(record))
    assert verified.get_json() == looked_up.get_json()


def test_reading_a_link_changes_nothing(app, client, record, link):
    from services.core.db import db
    from services.models import AuditLog, Legalization

    with app.app_context():
        before = db.session.get(Legalization, record.id).updated_at
        audits = db.session.query(AuditLog).count()
    for _ in range(3):
        assert client.get(VERIFY + link["token"]).status_code == 200
    with app.app_context():
        assert db.session.get(Legalization, record.id).updated_at == before
        assert db.session.query(AuditLog).count() == audits


def _flip(char: str) -> str:
    return "B" if char != "B" else "C"


def test_tampered_foreign_and_unknown_links_are_the_same_404(app, client, make, record, link):
    from itsdangerous import URLSafeSerializer

    from services.legalizations.links import SALT

    token = link["token"]
    payload, signature = token.rsplit(".", 1)
    with app.app_context():
        ours = URLSafeSerializer(app.config["SECRET_KEY"], salt=SALT)
        digest = ours.loads(token)[1]
        unknown_id = ours.dumps([record.id + 1000, digest])
    foreign = URLSafeSerializer("another-secret", salt=SALT).dumps([record.id, digest])
    bad_tokens = [
        payload + "." + _flip(signature[0]) + signature[1:],  # signature changed
        _flip(payload[0]) + payload[1:] + "." + signature,  # payload changed
        foreign,  # signed with someone else's key
        unknown_id,  # genuine signature, no such record
        "not-a-token",
        "A" * 300,
    ]
    bodies = set()
    for n, bad in enumerate(bad_tokens):
        response = client.get(VERIFY + bad, **from_ip(n))
        assert response.status_code == 404, bad
        assert response.headers["Cache-Control"] == "no-store"
        bodies.add(response.get_data())
    miss = client.post(LOOKUP, json=numbers(record, sub_number="0"), **from_ip(50))
    assert bodies == {miss.get_data()}


def test_a_link_breaks_when_the_record_numbers_change(app, client, record, link):
    from services.core.db import db
    from services.models import Legalization

    with app.app_context():
        stored = db.session.get(Legalization, record.id)
        stored.sticker_number = "SK00098799"
        db.session.commit()
    response = client.get(VERIFY + link["token"])
    assert response.status_code == 404
    assert response.get_json()["error"] == "legalization_not_found"


def test_a_dedicated_link_secret_signs_the_links(app, client, make, post, record, monkeypatch):
    officer = make.staff("officer", posts=[post.code])
    headers = make.auth(officer)
    url = f"/api/v1/staff/legalizations/{record.id}/verification-link"
    default_token = client.get(url, headers=headers).get_json()["token"]
    monkeypatch.setitem(app.config, "LEGALIZATION_LINK_SECRET", "a-separate-long-lived-secret")
    token = client.get(url, headers=headers).get_json()["token"]
    assert token != default_token
    assert client.get(VERIFY + token).status_code == 200
    assert client.get(VERIFY + default_token, **from_ip(1)).status_code == 404


def test_the_qr_code_is_an_svg_of_the_link(client, make, post, record, link):
    import segno

    officer = make.staff("officer", posts=[post.code])
    response = client.get(
        f"/api/v1/staff/legalizations/{record.id}/qr.svg", headers=make.auth(officer)
    )
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<svg" in svg
    # The QR encodes the link: segno is deterministic, so the symbol of the link's URL is
    # exactly the image served (a QR of anything else would differ).
    expected = io.BytesIO()
    segno.make(link["url"], error="m").save(expected, kind="svg", scale=4, border=4)
    assert response.get_data() == expected.getvalue()
    other = io.BytesIO()
    segno.make(link["url"] + "x", error="m").save(other, kind="svg", scale=4, border=4)
    assert response.get_data() != other.getvalue()


@pytest.mark.parametrize("kind, shown", [("person", "N*** V** A*"), ("agency", "Nguyễn Văn An")])
def test_the_lookup_and_the_records_public_view_show_the_same(app, make, post, kind, shown):
    """One definition of what is published (``_published``): the lookup's row and the
    record (the QR checks' way) give the same answer, a person's name masked."""
    from services.core.db import db
    from services.legalizations.legalizations import lookup_legalization, public_view
    from services.models import Legalization

    record = make.legalization(post, submitter_kind=kind, submitter_name="Nguyễn Văn An")
    with app.app_context():
        by_row = lookup_legalization(**numbers(record))
        by_record = public_view(db.session.get(Legalization, record.id))
    assert by_row == by_record
    assert by_row.submitter_name == shown
