"""CAP 1.2 messages of alert versions: valid against the OASIS schema, read back by a CAP
library, and saying what the module's docstring promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from cap_tools import Reference
from hypothesis import given
from hypothesis import strategies as st

from services.alerts.cap import (
    CAP_NS,
    CapMessage,
    CapText,
    cancel_message,
    cap_time,
    render_cap,
    version_message,
)
from tests.services.alerts.cap_support import (
    SOURCE,
    Version,
    assert_valid_cap,
    parse_cap,
    schema_errors,
)

T0 = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)
ALL_TEXTS = {
    "titles": {
        "en": "Protests in central Paris",
        "zh-Hans": "巴黎市中心发生抗议活动",
        "zh-Hant": "巴黎市中心發生抗議活動",
        "vi": "Biểu tình ở trung tâm Paris",
    },
    "bodies": {
        "en": "Avoid Place de la République & nearby streets.",
        "zh-Hans": "请避开共和国广场及附近街道。",
        "zh-Hant": "請避開共和國廣場及附近街道。",
        "vi": "Tránh quảng trường Cộng hòa và các phố lân cận.",
    },
}


def version(number: int, kind: str = "initial", level: str = "warning", **overrides):
    values = {
        "number": number,
        "kind": kind,
        "level": level,
        "countries": ["FR"],
        "region": "Paris",
        "expires_at": T0 + timedelta(days=3),
        "published_at": T0 + timedelta(hours=number),
        **ALL_TEXTS,
    }
    values.update(overrides)
    return Version(**values)


def history():
    """Alert 42: version 1 was edited (never published), 2 went out, 3 was rejected, 4 is
    an update, 5 the all-clear."""
    return [version(2), version(4, "update", "emergency"), version(5, "all_clear")]


def test_every_message_of_an_alert_validates_and_chains_its_references():
    published = history()
    messages = [version_message(SOURCE, 42, v, published) for v in published]
    messages.append(cancel_message(SOURCE, 42, T0 + timedelta(hours=9), published))
    parsed = []
    for message in messages:
        xml = render_cap(message)
        assert_valid_cap(xml)
        parsed.append(parse_cap(xml))
    first, update, all_clear, cancel = parsed

    assert [a.msg_type.value for a in parsed] == ["Alert", "Update", "Update", "Cancel"]
    assert [a.identifier for a in parsed] == [
        "mfa.example.alert.42.v2",
        "mfa.example.alert.42.v4",
        "mfa.example.alert.42.v5",
        "mfa.example.alert.42.cancel",
    ]
    assert {a.sender for a in parsed} == {"alerts@mfa.example"}
    assert {a.incidents for a in parsed} == {"mfa.example.alert.42"}
    assert {a.scope.value for a in parsed} == {"Public"}
    assert {a.status.value for a in parsed} == {"Actual"}
    # A reference is "sender,identifier,sent" of a message as sent (cap-tools compares
    # the parsed triples, so a time written differently would not match).
    assert first.references is None
    assert update.references_to_list() == [Reference.from_alert(first)]
    assert all_clear.references_to_list() == [
        Reference.from_alert(first),
        Reference.from_alert(update),
    ]
    assert cancel.references_to_list() == [Reference.from_alert(a) for a in parsed[:3]]
    assert cancel.infos == [] and cancel.note == "This alert has been withdrawn."


def test_the_all_clear_says_so_whatever_the_level():
    published = history()
    alert = parse_cap(render_cap(version_message(SOURCE, 42, published[2], published)))
    for info in alert.infos:
        assert [r.value for r in info.response_types] == ["AllClear"]
        assert (info.urgency.value, info.severity.value, info.certainty.value) == (
            "Past",
            "Minor",
            "Observed",
        )


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("information", ("Minor", "Future", "Possible", ["Monitor"])),
        ("caution", ("Moderate", "Future", "Likely", ["Monitor"])),
        ("warning", ("Severe", "Expected", "Likely", ["Avoid"])),
        ("emergency", ("Extreme", "Immediate", "Observed", [])),
    ],
)
def test_levels_map_onto_severity_urgency_and_certainty(level, expected):
    v = version(1, level=level)
    xml = render_cap(version_message(SOURCE, 7, v, [v]))
    assert_valid_cap(xml)
    for info in parse_cap(xml).infos:
        assert (
            info.severity.value,
            info.urgency.value,
            info.certainty.value,
            [r.value for r in info.response_types],
        ) == expected
        assert info.parameters_to_dict()["consularAlertLevel"] == level


def test_one_info_per_language_present_with_the_country_in_that_language():
    v = version(
        1,
        countries=["FR", "BE"],
        region=None,
        titles={"en": "Strikes", "zh-Hans": "罢工", "vi": "Đình công"},
        bodies={"en": "Rail strikes.", "zh-Hans": "铁路罢工。", "vi": ""},  # no Vietnamese body
    )
    alert = parse_cap(render_cap(version_message(SOURCE, 7, v, [v])))
    assert [info.language for info in alert.infos] == ["en", "zh-Hans"]
    english, chinese = alert.infos
    assert english.headline == "Strikes" and english.description == "Rail strikes."
    assert [c.value for c in english.categories] == ["Safety"]
    assert english.event == "Travel safety alert"
    assert [a.area_desc for a in english.areas] == ["France", "Belgium"]
    assert [a.area_desc for a in chinese.areas] == ["法国", "比利时"]
    for info in alert.infos:
        assert [a.geocodes_to_dict()["ISO3166-1"] for a in info.areas] == ["FR", "BE"]
    assert english.sender_name == "Ministry of Foreign Affairs"
    assert chinese.sender_name == "Ministry of Foreign Affairs"  # English when none given
    assert english.web == "https://mfa.example/alerts/7"
    assert english.contact == SOURCE.contact


def test_area_names_carry_the_region_and_times_are_utc_with_minus_zero():
    v = version(
        1,
        published_at=datetime(2025, 3, 1, 18, 30, 15, 999_999, tzinfo=timezone(timedelta(hours=8))),
        expires_at=datetime(2025, 3, 4, 12, 0, tzinfo=UTC),
    )
    xml = render_cap(version_message(SOURCE, 7, v, [v]))
    alert = parse_cap(xml)
    assert alert.infos[0].areas[0].area_desc == "France: Paris"
    assert alert.infos[3].areas[0].area_desc == "Pháp: Paris"
    assert b"<sent>2025-03-01T10:30:15-00:00</sent>" in xml
    assert b"<expires>2025-03-04T12:00:00-00:00</expires>" in xml
    assert alert.infos[0].expires.to_datetime() == datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


@given(
    title=st.text(min_size=1, max_size=200),
    body=st.text(min_size=1, max_size=500),
    region=st.none() | st.text(max_size=120),
)
def test_any_text_an_officer_types_gives_a_valid_message(title, body, region):
    v = version(1, region=region, titles={"en": title}, bodies={"en": body})
    xml = render_cap(version_message(SOURCE, 1, v, [v]))
    assert_valid_cap(xml)
    info = parse_cap(xml).infos[0]
    # What XML can carry comes back exactly (lxml writes a carriage return as &#13;).
    assert info.headline == _xml_normal(title)
    assert info.description == _xml_normal(body)


def _xml_normal(text: str) -> str:
    return "".join(
        c
        for c in text
        if c in "\t\n\r"
        or "\x20" <= c <= "\ud7ff"
        or "\ue000" <= c <= "\ufffd"
        or c >= "\U00010000"
    )


def test_the_validators_do_refuse_a_broken_message():
    v = version(1)
    xml = render_cap(version_message(SOURCE, 1, v, [v]))
    broken = xml.replace(b"<msgType>Alert</msgType>", b"<msgType>Withdraw</msgType>")
    assert schema_errors(broken)
    with pytest.raises(Exception):  # noqa: B017 (either validator's own error type)
        assert_valid_cap(broken)
    misplaced = xml.replace(b"<scope>Public</scope>", b"").replace(
        b"</status>", b"</status><scope>Public</scope>"
    )
    assert schema_errors(misplaced)


def test_inputs_that_cannot_be_cap_are_refused():
    unpublished = version(1, published_at=None)
    with pytest.raises(ValueError, match="published"):
        version_message(SOURCE, 1, unpublished, [])
    with pytest.raises(ValueError, match="never published"):
        cancel_message(SOURCE, 1, T0, [unpublished])
    with pytest.raises(ValueError, match="time zone"):
        cap_time(datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="identifier"):
        CapMessage(identifier="a b", sender="s", sent=T0, msg_type="Alert")
    with pytest.raises(ValueError, match="sender"):
        CapMessage(identifier="a", sender="me,you", sent=T0, msg_type="Alert")
    with pytest.raises(ValueError, match="reference"):
        CapMessage(identifier="a", sender="s", sent=T0, msg_type="Update")
    with pytest.raises(ValueError, match="level"):
        CapMessage(
            identifier="a",
            sender="s",
            sent=T0,
            msg_type="Alert",
            texts={"en": CapText("h", "d")},
            level="apocalypse",
            countries=("FR",),
        )
    with pytest.raises(ValueError, match="languages"):
        CapMessage(
            identifier="a",
            sender="s",
            sent=T0,
            msg_type="Alert",
            texts={"fr": CapText("h", "d")},
            level="warning",
            countries=("FR",),
        )


def test_an_instruction_and_a_test_status_are_carried():
    message = CapMessage(
        identifier="mfa.example.exercise.1",
        sender="alerts@mfa.example",
        sent=T0,
        msg_type="Alert",
        status="Exercise",
        texts={"en": CapText("Drill", "An evacuation drill.", "Go to the embassy.")},
        level="emergency",
        countries=("VN",),
        expires=T0 + timedelta(hours=2),
    )
    xml = render_cap(message)
    assert_valid_cap(xml)
    alert = parse_cap(xml)
    assert alert.status.value == "Exercise"
    assert alert.infos[0].instruction == "Go to the embassy."
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert f'xmlns="{CAP_NS}"'.encode() in xml
