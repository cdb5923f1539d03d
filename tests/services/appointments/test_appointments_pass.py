"""The QR pass (a signed token, not the code) and the iCalendar file (RFC 5545)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import segno

from services.appointments.ics import Event, escape_text, fold, render_event
from tests.services.appointments.appointment_support import URL, book
from tests.services.core.seal_factories import tamper
from tests.services.core.seal_support import third_party_verify


@pytest.fixture
def booked(client, desk):
    response = book(client, desk)
    assert response.status_code == 201
    return response.get_json()


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_qr_pass_encodes_a_payload_pycose_verifies_with_the_published_keys(client, desk, booked):
    response = client.get(f"{URL}/{booked['id']}/qr.svg", headers=desk.headers)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    ET.fromstring(response.data)  # well-formed XML
    payload = booked["pass_token"]
    assert payload.startswith("PSH1:")
    expected = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        expected, kind="svg", scale=6, border=4, xmldecl=True, title="Appointment pass"
    )
    assert response.data == expected.getvalue()
    # The same appointment gives the same pass until it changes (and keeps its ETag).
    again = client.get(f"{URL}/{booked['id']}", headers=desk.headers).get_json()
    assert again["pass_token"] == payload

    key_set = client.get("/api/v1/seal-keys").get_data(as_text=True)
    result = third_party_verify(payload, key_set)
    assert result.genuine, result.reason
    claims = result.claims
    assert claims[1] == booked["post"]["code"]
    assert claims[4] == int(datetime.fromisoformat(booked["end"]).timestamp())
    surname = booked["applicant"]["surname_latin"]
    assert claims[-65537] == {
        "k": "P",
        "c": booked["code"].replace("-", ""),
        "t": booked["start"][:16] + booked["start"][19:],  # to the minute, with the offset
        "h": claims[-65537]["h"],
        "v": booked["service"]["code"],
    }
    masked = claims[-65537]["h"]
    assert masked.startswith(surname[0] + "*") and surname not in masked

    forged = tamper(payload, lambda c: c[-65537].update(c="ZZZZZZZZZZZZ"))
    assert not third_party_verify(forged, key_set).genuine


def test_calendar_file_is_rfc5545(client, desk, booked):
    response = client.get(
        f"{URL}/{booked['id']}/calendar.ics", headers={**desk.headers, "Accept-Language": "vi"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.data.decode("utf-8")
    assert raw.endswith("\r\n")
    assert "\n" not in raw.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    lines = unfold(raw)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert any(line.startswith("PRODID:") for line in lines)
    assert "TZID:Europe/Paris" in lines
    assert "DTSTART;TZID=Europe/Paris:20270113T100000" in lines
    assert "DTEND;TZID=Europe/Paris:20270113T103000" in lines
    assert f"UID:appointment-{booked['id']}@127.0.0.1" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert "STATUS:CONFIRMED" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert booked["code"] in description
    assert "Hộ chiếu cũ" in description
    assert "\\n" in description
    # The zone's rules around the event: winter +01:00, summer +02:00 from 28 March 02:00.
    block = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE")]
    assert "BEGIN:DAYLIGHT" in block
    daylight = block.index("DTSTART:20270328T020000")
    assert block[daylight + 1 : daylight + 3] == ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200"]
    standard = block.index("DTSTART:20271031T030000")
    assert block[standard + 1 : standard + 3] == ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"]


def test_calendar_follows_reschedule_and_cancel(client, make, desk, booked):
    later = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=1))
    client.post(
        f"{URL}/{booked['id']}/reschedule", json={"slot_id": later.id}, headers=desk.headers
    )
    lines = unfold(
        client.get(f"{URL}/{booked['id']}/calendar.ics", headers=desk.headers).data.decode()
    )
    assert "SEQUENCE:1" in lines
    assert "DTSTART;TZID=Europe/Paris:20270114T100000" in lines
    client.post(f"{URL}/{booked['id']}/cancel", headers=desk.headers)
    lines = unfold(
        client.get(f"{URL}/{booked['id']}/calendar.ics", headers=desk.headers).data.decode()
    )
    assert "STATUS:CANCELLED" in lines


def _parsed_event(client, desk, appointment_id):
    """The VEVENT of the calendar file as a real iCalendar parser reads it."""
    from icalendar import Calendar

    raw = client.get(f"{URL}/{appointment_id}/calendar.ics", headers=desk.headers).data
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_sequence_rises_on_book_reschedule_and_cancel(client, make, desk, booked):
    # A calendar app replaces an event it has only when SEQUENCE is higher (RFC 5545
    # 3.8.7.4), so the cancelled file must carry a higher one than the last change.
    calendar, event = _parsed_event(client, desk, booked["id"])
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (0, "CONFIRMED")
    uid = str(event["UID"])
    later = make.slot(desk.post, desk.service, desk.slot_start + timedelta(days=1))
    moved = client.post(
        f"{URL}/{booked['id']}/reschedule", json={"slot_id": later.id}, headers=desk.headers
    )
    assert moved.status_code == 200, moved.get_json()
    _, event = _parsed_event(client, desk, booked["id"])
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (1, "CONFIRMED")
    cancelled = client.post(f"{URL}/{booked['id']}/cancel", headers=desk.headers)
    assert cancelled.status_code == 200, cancelled.get_json()
    calendar, event = _parsed_event(client, desk, booked["id"])
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (2, "CANCELLED")
    assert str(event["UID"]) == uid  # the same event, so the app updates it
    assert str(calendar["METHOD"]) == "PUBLISH"
    # A retried cancel changes nothing, so the file stays the same version.
    client.post(f"{URL}/{booked['id']}/cancel", headers=desk.headers)
    _, event = _parsed_event(client, desk, booked["id"])
    assert int(event["SEQUENCE"]) == 2


def test_text_escaping_and_folding():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "Hộ chiếu 护照换发 " * 12
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line  # no character was split
    assert fold("SHORT:x") == "SHORT:x"


def test_second_occurrence_of_a_repeated_hour_is_written_in_utc():
    # 02:30 CEST on 31 October 2027, lasting an hour, ends at 02:30 CET (the second 02:30).
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    event = Event(
        uid="x@test",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        time_zone="Europe/Paris",
        summary="Test",
    )
    lines = unfold(render_event(event, now=start, product="-//test//EN"))
    assert "DTSTART;TZID=Europe/Paris:20271031T023000" in lines
    assert "DTEND:20271031T013000Z" in lines


def test_zone_without_daylight_saving_has_one_standard_observance():
    start = datetime(2027, 7, 1, 2, 0, tzinfo=UTC)
    event = Event(
        uid="y@test",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        time_zone="Asia/Ho_Chi_Minh",
        summary="Test",
    )
    lines = unfold(render_event(event, now=start, product="-//test//EN"))
    block = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE")]
    assert block.count("BEGIN:STANDARD") == 1
    assert "BEGIN:DAYLIGHT" not in block
    assert "TZOFFSETTO:+0700" in block
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20270701T090000" in lines
