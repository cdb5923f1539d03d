"""The sticker's sealed QR code: what it holds, the online check (genuine / revoked / not
found) by API and by page, and offline verification with the published keys alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import segno

from tests.services.core.seal_factories import new_key, sticker_payload, tamper
from tests.services.core.seal_support import third_party_verify

CHECK = "/api/v1/legalizations/verify"
KEYS = "/api/v1/seal-keys"


@pytest.fixture
def post(make):
    return make.post(code="FR-PAR", city="Paris", names={"en": "Embassy in Paris"})


@pytest.fixture
def record(make, post):
    return make.legalization(
        post,
        authentication_number="2026-001234",
        sub_number="2",
        sticker_number="SK00098765",
        submitter_name="Nguyễn Văn An",
        country_of_use="FR",
        notes="Applicant paid in cash; desk 3",
    )


@pytest.fixture
def officer(make, post):
    return make.auth(make.staff("officer", posts=[post.code]))


@pytest.fixture
def link(client, record, officer) -> dict:
    response = client.get(
        f"/api/v1/staff/legalizations/{record.id}/verification-link", headers=officer
    )
    assert response.status_code == 200
    return response.get_json()


def page_path(link: dict) -> str:
    """The path a phone's browser requests for the QR link (escapes kept, as it sends them)."""
    return urlsplit(link["url"]).path


def test_the_qr_code_is_an_upper_case_link_ending_in_the_payload(client, record, officer, link):
    url = link["url"]
    assert url.startswith("HTTP://127.0.0.1:5000/L/PSH1:")
    assert url == url.upper()  # so the QR code stays in alphanumeric mode
    assert not set(url) - set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert " " not in url
    assert url.endswith(
        link["payload"][5:].replace("%", "%25").replace(" ", "%20").replace("/", "%2F")
    )
    svg = client.get(f"/api/v1/staff/legalizations/{record.id}/qr.svg", headers=officer)
    assert svg.status_code == 200
    base = "HTTP://127.0.0.1:5000/L/"
    qr = segno.make_qr([base, url[len(base) :]], error="m")
    assert qr.mode == "alphanumeric" and qr.version <= 11  # 61 x 61 modules at most


def test_pycose_verifies_the_link_with_the_published_key_set(client, link):
    keys = client.get(KEYS)
    assert keys.status_code == 200
    assert keys.headers["Cache-Control"] == "public, max-age=3600"
    result = third_party_verify(link["payload"], keys.get_data(as_text=True))
    assert result.genuine, result.reason
    assert result.claims[1] == "FR-PAR"
    assert result.claims[-65537] == {
        "k": "L",
        "a": "2026-001234",
        "s": "2",
        "n": "SK00098765",
        "t": "civil_status",
        "d": "2026-03-02",
        "c": "FR",
        "h": "N*** V** A*",
    }
    again = client.get(KEYS, headers={"If-None-Match": keys.headers["ETag"]})
    assert again.status_code == 304


def test_the_api_says_genuine_then_revoked_with_the_date(client, record, officer, link):
    for text in (link["payload"], link["url"]):
        answer = client.post(CHECK, json={"payload": text})
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert (body["verdict"], body["revoked_at"]) == ("genuine", None)
        assert body["legalization"]["submitter_name"] == "N*** V** A*"
        assert "notes" not in body["legalization"]
        assert answer.headers["Cache-Control"] == "no-store"
    revoked = client.post(
        f"/api/v1/staff/legalizations/{record.id}/revoke",
        json={"reason": "issued in error"},
        headers=officer,
    )
    assert revoked.status_code == 200
    body = client.post(CHECK, json={"payload": link["payload"]}).get_json()
    assert body["verdict"] == "revoked"
    assert body["revoked_at"] == revoked.get_json()["revoked_at"]
    assert "issued in error" not in str(body)


def test_forged_foreign_and_other_payloads_are_not_found(app, client, record, link):
    from services.appointments.sealed_passes import KIND_PASS, pass_fields
    from services.core.integrations import seal_keyring
    from services.core.seals import seal

    forged = tamper(link["payload"], lambda claims: claims[-65537].update(n="SK00000001"))
    foreign = sticker_payload(new_key(), post="FR-PAR")
    with app.app_context():
        ours_but_a_pass = seal(
            seal_keyring(),
            kind=KIND_PASS,
            post="FR-PAR",
            fields=pass_fields(
                code="ABCD2345EFGH",
                starts_at=datetime.now(UTC),
                holder_masked="N***",
            ),
            issued_at=datetime.now(UTC) - timedelta(minutes=1),
        )
    miss = client.post(
        "/api/v1/legalizations/lookup",
        json={"authentication_number": "x", "sub_number": "x", "sticker_number": "x"},
    )
    for text in (forged, foreign, ours_but_a_pass, "PSH1:not base45", "hello"):
        answer = client.post(CHECK, json={"payload": text})
        assert answer.status_code == 404, text
        assert answer.get_data() == miss.get_data()
    assert client.post(CHECK, json={"payload": "P" * 5000}).status_code == 422


# --- the page -------------------------------------------------------------------------------
def test_the_page_says_genuine_in_the_browser_language_with_a_strict_policy(client, link):
    page = client.get(page_path(link), headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Hợp lệ" in html and "Embassy in Paris" in html
    assert "N*** V** A*" in html and "Nguyễn" not in html
    assert "desk 3" not in html and "<script" not in html
    assert 'href="?lang=zh-Hant"' in html
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert policy.startswith("default-src 'none'; style-src 'nonce-")
    assert "script-src" not in policy  # nothing may run
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Content-Language"] == "vi"
    second = client.get(page_path(link))
    assert (
        re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1) != nonce
    )


def test_the_language_switch_wins_over_the_header(client, link):
    page = client.get(page_path(link) + "?lang=zh-Hant", headers={"Accept-Language": "vi"})
    html = page.get_data(as_text=True)
    assert '<html lang="zh-Hant">' in html and "真實有效" in html
    assert client.get(page_path(link) + "?lang=klingon").status_code == 200


def test_the_page_says_revoked_with_the_date(client, record, officer, link):
    client.post(
        f"/api/v1/staff/legalizations/{record.id}/revoke",
        json={"reason": "issued in error"},
        headers=officer,
    )
    html = client.get(page_path(link), headers={"Accept-Language": "en"}).get_data(as_text=True)
    today = datetime.now(UTC)
    assert "Revoked" in html
    assert f"was revoked on {today:%B} {today.day}, {today.year}" in html
    assert "issued in error" not in html


def test_a_forged_code_gets_the_not_found_page(client, link):
    forged = tamper(link["payload"], lambda claims: claims[-65537].update(h="Someone Else"))
    page = client.get("/L/" + forged.replace("%", "%25").replace(" ", "%20").replace("/", "%2F"))
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "Not found" in html and "Someone Else" not in html


def test_an_older_stickers_link_opens_the_page_in_a_browser_and_json_in_an_app(client, link):
    old = "/api/v1/legalizations/verify/" + link["token"]
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    redirected = client.get(old, headers=browser)
    assert redirected.status_code == 303
    assert redirected.headers["Location"].endswith("/legalization-check/" + link["token"])
    page = client.get(redirected.headers["Location"], headers=browser)
    assert page.status_code == 200 and "Genuine" in page.get_data(as_text=True)
    for accept in ("application/json", "*/*", None):
        answer = client.get(old, headers={"Accept": accept} if accept else {})
        assert answer.status_code == 200 and answer.is_json


def test_the_page_shares_the_checks_rate_limits(client, link):
    for n in range(10):
        client.post(
            "/api/v1/legalizations/lookup",
            json={"authentication_number": "x", "sub_number": "x", "sticker_number": str(n)},
        )
    assert client.get(page_path(link)).status_code == 429
