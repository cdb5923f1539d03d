"""Published alerts over HTTP as CAP 1.2 messages and Atom feeds: every message validates
against the OASIS schema and parses back with cap-tools, the feed with feedparser; ETag and
304 for pollers; drafts and withdrawn alerts are not served."""

from __future__ import annotations

import feedparser
from cap_tools import Reference

from tests.services.alerts.cap_support import assert_valid_cap, parse_cap
from tests.services.alerts.support import STAFF, draft, ok, publish, submit

ALERTS = "/api/v1/alerts"
FEED = ALERTS + "/feed.atom"


def cap(client, alert_id: int, number: int):
    return client.get(f"{ALERTS}/{alert_id}/versions/{number}/cap.xml")


def test_each_published_version_is_a_valid_cap_message_chained_to_the_last(client, staff):
    alert = publish(client, staff.author, staff.approver, level="emergency")
    first = cap(client, alert["id"], 1)
    assert first.status_code == 200
    assert first.mimetype == "application/cap+xml"
    assert first.headers["Cache-Control"] == "public, max-age=86400"
    assert_valid_cap(first.data)
    message = parse_cap(first.data)
    assert (message.msg_type.value, message.status.value) == ("Alert", "Test")
    assert message.identifier == f"127.0.0.1:5000.alert.{alert['id']}.v1"
    assert [info.language for info in message.infos] == ["en", "vi"]
    assert message.infos[0].severity.value == "Extreme"
    assert message.infos[0].areas[0].geocodes_to_dict()["ISO3166-1"] == "FR"

    update = ok(
        client.post(
            f"{STAFF}/{alert['id']}/versions",
            json={"kind": "update", "reason": "worse", "region": "Lyon"},
            headers=staff.author,
        ),
        201,
    )
    number = update["open_version"]["number"]
    submit(client, staff.author, alert["id"])
    ok(
        client.post(
            f"{STAFF}/{alert['id']}/approve", json={"version": number}, headers=staff.approver
        )
    )
    second = cap(client, alert["id"], number)
    assert_valid_cap(second.data)
    updated = parse_cap(second.data)
    assert updated.msg_type.value == "Update"
    assert updated.references_to_list() == [Reference.from_alert(message)]
    # The superseded version stays available: receivers may fetch what they missed.
    assert cap(client, alert["id"], 1).status_code == 200
    again = cap(client, alert["id"], 1)
    assert (
        client.get(
            f"{ALERTS}/{alert['id']}/versions/1/cap.xml",
            headers={"If-None-Match": again.headers["ETag"]},
        ).status_code
        == 304
    )


def test_drafts_are_not_cap_and_a_withdrawal_is_a_cancel(client, staff):
    pending = draft(client, staff.author)
    submit(client, staff.author, pending["id"])
    assert cap(client, pending["id"], 1).status_code == 404
    assert client.get(f"{ALERTS}/{pending['id']}/cancel.xml").status_code == 404

    alert = publish(client, staff.author, staff.approver)
    assert client.get(f"{ALERTS}/{alert['id']}/cancel.xml").status_code == 404
    ok(
        client.post(
            f"{STAFF}/{alert['id']}/cancel",
            json={"reason": "posted by mistake"},
            headers=staff.author,
        )
    )
    cancel = client.get(f"{ALERTS}/{alert['id']}/cancel.xml")
    assert cancel.status_code == 200
    assert_valid_cap(cancel.data)
    message = parse_cap(cancel.data)
    assert message.msg_type.value == "Cancel"
    assert [r.identifier for r in message.references_to_list()] == [
        f"127.0.0.1:5000.alert.{alert['id']}.v1"
    ]
    assert b"posted by mistake" not in cancel.data
    # Withdrawn: its versions are no longer served, as its JSON is not.
    assert cap(client, alert["id"], 1).status_code == 404
    assert client.get(f"{ALERTS}/999999/versions/1/cap.xml").status_code == 404


def test_the_feed_lists_live_alerts_per_country_with_etag(client, staff):
    empty = client.get(FEED + "?country=FR")
    assert empty.status_code == 200
    assert empty.mimetype == "application/atom+xml"
    assert empty.headers["Cache-Control"] == "public, max-age=60"
    assert feedparser.parse(empty.data).entries == []
    etag = empty.headers["ETag"]
    assert client.get(FEED + "?country=FR", headers={"If-None-Match": etag}).status_code == 304

    alert = publish(client, staff.author, staff.approver)
    feed = client.get(FEED + "?country=FR", headers={"If-None-Match": etag})
    assert feed.status_code == 200  # something changed
    parsed = feedparser.parse(feed.data)
    assert not parsed.bozo
    [entry] = parsed.entries
    link = next(x for x in entry.links if x.type == "application/cap+xml")
    assert link.href == f"http://127.0.0.1:5000{ALERTS}/{alert['id']}/versions/1/cap.xml"
    assert_valid_cap(client.get(link.href.removeprefix("http://127.0.0.1:5000")).data)
    assert feedparser.parse(client.get(FEED).data).entries[0].id == link.href
    assert feedparser.parse(client.get(FEED + "?country=DE").data).entries == []
    vietnamese = feedparser.parse(client.get(FEED, headers={"Accept-Language": "vi"}).data)
    assert vietnamese.entries[0].title == "Đình công giao thông"
    assert vietnamese.feed.title == "Cảnh báo an toàn du lịch"  # from the vi catalogue
    assert parsed.feed.title == "Travel safety alerts: FR"
    assert client.get(FEED + "?country=XX").status_code == 422
