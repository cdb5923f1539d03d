"""The sticker's check page in a real browser (headless chromium): the link as a phone
camera would open it, escapes and all; the styles allowed by the content policy and no
violation reported; the language links; the print layout; and the page works with
JavaScript switched off."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser


@pytest.fixture
def sticker(client, make):
    post = make.post(code="FR-PAR", city="Paris", names={"en": "Embassy in Paris"})
    record = make.legalization(post, submitter_name="Nguyễn Văn An", sticker_number="SK00098765")
    officer = make.auth(make.staff("officer", posts=[post.code]))
    link = client.get(
        f"/api/v1/staff/legalizations/{record.id}/verification-link", headers=officer
    ).get_json()
    return {"record": record, "officer": officer, **link}


def open_page(browser, url: str) -> str:
    browser.get(url)
    return browser.find_element(By.ID, "verdict").get_attribute("data-verdict")


def csp_violations(browser) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or entry["level"] == "SEVERE"
    ]


def test_the_sticker_link_opens_a_styled_page_without_javascript(browser, live_server, sticker):
    browser.get_log("browser")  # forget earlier pages' messages
    # The path exactly as printed (upper case, %20 / %25 / %2F escapes), on our server.
    url = live_server + urlsplit(sticker["url"]).path
    assert "%2F" in url or "%20" in url or "%25" in url
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        assert open_page(browser, url) == "genuine"
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    verdict = browser.find_element(By.ID, "verdict")
    assert "Genuine" in verdict.text and "Embassy in Paris" in verdict.text
    fields = browser.find_element(By.ID, "fields").text
    assert "SK00098765" in fields and "N*** V** A*" in fields and "Nguyễn" not in fields
    # The nonce'd stylesheet applied: the verdict has its green border.
    assert verdict.value_of_css_property("border-top-color") == "rgba(27, 127, 59, 1)"
    assert csp_violations(browser) == []


def test_the_language_links_and_the_print_layout(browser, live_server, sticker):
    url = live_server + urlsplit(sticker["url"]).path
    open_page(browser, url)
    browser.find_element(By.CSS_SELECTOR, 'a[hreflang="vi"]').click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert browser.current_url.endswith("?lang=vi")
    assert "Hợp lệ" in browser.find_element(By.ID, "verdict").text
    languages = browser.find_element(By.ID, "languages")
    assert languages.is_displayed()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not languages.is_displayed()  # links are no use on paper
        assert browser.find_element(By.ID, "fields").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_revoked_and_forged_in_the_browser(app, client, browser, live_server, sticker):
    url = live_server + urlsplit(sticker["url"]).path
    client.post(
        f"/api/v1/staff/legalizations/{sticker['record'].id}/revoke",
        json={"reason": "issued in error"},
        headers=sticker["officer"],
    )
    assert open_page(browser, url + "?lang=en") == "revoked"
    assert "was revoked on" in browser.find_element(By.ID, "verdict").text
    forged = url[:-6] + ("AAAAAA" if not url.endswith("AAAAAA") else "BBBBBB")
    assert open_page(browser, forged) == "not_found"


def test_an_older_stickers_link_lands_on_the_page(browser, live_server, sticker):
    assert open_page(browser, live_server + "/api/v1/legalizations/verify/" + sticker["token"]) == (
        "genuine"
    )
    assert "/legalization-check/" in browser.current_url
