"""Safety alerts as OASIS CAP 1.2 messages, for the alerting systems, news desks, airlines
and aggregators that do not read our JSON.

Every published version of an alert is one CAP message, and so is the withdrawal of a
published alert:

    our event                                    msgType   references
    first published version (kind ``initial``)   Alert     -
    later published version (``update``)         Update    every earlier published version
    the all-clear (``all_clear``)                Update    every earlier published version,
                                                           with responseType AllClear
    withdrawal of a published alert              Cancel    every published version

The message type comes from whether an earlier version was *published*, not from the
version's kind or number: edited and rejected drafts also take version numbers, so the
first message may well be version 3. Drafts, rejected and edited versions never become CAP.

Identifiers are derived from our ids, so they are stable and unique without storing
anything: ``<prefix>.alert.<alert id>.v<version number>`` and ``<prefix>.alert.<alert
id>.cancel``; ``incidents`` names the alert (``<prefix>.alert.<alert id>``) so a receiver
can group every message of one alert. Times are UTC written ``-00:00``, as CAP 1.2 (3.3.2)
requires, to the second.

Our alert levels map onto CAP's three axes as follows (one table, ``LEVEL_CODES``):

    level        severity  urgency    certainty  responseType
    information  Minor     Future     Possible   Monitor
    caution      Moderate  Future     Likely     Monitor
    warning      Severe    Expected   Likely     Avoid
    emergency    Extreme   Immediate  Observed   (none: shelter, leave or other is in the text)
    all-clear    Minor     Past       Observed   AllClear   (whatever the level)

There is one ``info`` block per language the version has a title in (en, zh-Hans, zh-Hant,
vi, in that order): no English text is passed off as Vietnamese, unlike the push, which
falls back to English on the Vietnamese topic. Each block has one ``area`` per country, its
name in the block's language (from CLDR, via Babel) plus the version's region, and the
ISO 3166-1 alpha-2 code as a geocode. A Cancel carries no ``info``: receivers match it by its
references.

Text is checked for nothing but what XML cannot hold: characters outside XML 1.0 (control
characters, lone surrogates) are dropped rather than failing the whole feed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from babel import Locale

from services.core.languages import LANGUAGES

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MEDIA_TYPE = "application/cap+xml"
GEOCODE_COUNTRY = "ISO3166-1"
LEVEL_PARAMETER = "consularAlertLevel"

MsgType = Literal["Alert", "Update", "Cancel"]
Status = Literal["Actual", "Exercise", "System", "Test", "Draft"]


@dataclass(frozen=True)
class LevelCodes:
    severity: str
    urgency: str
    certainty: str
    response_type: str | None


LEVEL_CODES: dict[str, LevelCodes] = {
    "information": LevelCodes("Minor", "Future", "Possible", "Monitor"),
    "caution": LevelCodes("Moderate", "Future", "Likely", "Monitor"),
    "warning": LevelCodes("Severe", "Expected", "Likely", "Avoid"),
    "emergency": LevelCodes("Extreme", "Immediate", "Observed", None),
}
ALL_CLEAR_CODES = LevelCodes("Minor", "Past", "Observed", "AllClear")

# The <event> text: what kind of event this is, in the block's language.
EVENT_TEXTS = {
    "en": "Travel safety alert",
    "zh-Hans": "旅行安全提醒",
    "zh-Hant": "旅行安全提醒",
    "vi": "Cảnh báo an toàn du lịch",
}
CANCEL_NOTE = "This alert has been withdrawn."

# XML 1.0 allows tab, newline, carriage return and these ranges; nothing else may appear.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# CAP 1.2 forbids spaces, commas and restricted characters in identifiers and senders.
_BAD_ID = re.compile(r"[\s,<&]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def cap_time(moment: datetime) -> str:
    """A CAP dateTime: UTC, to the second, with the ``-00:00`` CAP requires for UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("CAP times need a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def _check_id(name: str, value: str) -> None:
    if not value or _BAD_ID.search(value):
        raise ValueError(f"a CAP {name} cannot be empty or hold spaces, commas, < or &")


@dataclass(frozen=True)
class CapReference:
    """An earlier message this one refers to (CAP ``sender,identifier,sent``)."""

    sender: str
    identifier: str
    sent: datetime

    def __str__(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


@dataclass(frozen=True)
class CapText:
    """One language's text of an alert."""

    headline: str
    description: str
    instruction: str | None = None


@dataclass(frozen=True)
class CapMessage:
    """Everything one CAP message says, in plain values."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    status: Status = "Actual"
    references: tuple[CapReference, ...] = ()
    incidents: str | None = None
    note: str | None = None
    # The info blocks (none for a Cancel): language -> text, plus what every block shares.
    texts: Mapping[str, CapText] = field(default_factory=dict)
    level: str | None = None
    all_clear: bool = False
    countries: tuple[str, ...] = ()
    region: str | None = None
    expires: datetime | None = None
    sender_names: Mapping[str, str] = field(default_factory=dict)
    web: str | None = None
    contact: str | None = None

    def __post_init__(self) -> None:
        _check_id("identifier", self.identifier)
        _check_id("sender", self.sender)
        if self.msg_type != "Alert" and not self.references:
            raise ValueError(f"a CAP {self.msg_type} must reference what it replaces")
        if self.texts:
            if self.level not in LEVEL_CODES:
                raise ValueError(f"unknown alert level {self.level!r}")
            if not self.countries:
                raise ValueError("an alert with text needs at least one country")
            unknown = set(self.texts) - set(LANGUAGES)
            if unknown:
                raise ValueError(f"unsupported languages {sorted(unknown)}")

    @property
    def codes(self) -> LevelCodes:
        return ALL_CLEAR_CODES if self.all_clear else LEVEL_CODES[self.level or ""]


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        child.text = xml_text(text)
    return child


def _country_name(country: str, language: str) -> str:
    locale = Locale.parse(language.replace("-", "_"))
    return locale.territories.get(country, country)


def _info(alert: ET.Element, message: CapMessage, language: str, text: CapText) -> None:
    codes = message.codes
    info = _add(alert, "info")
    _add(info, "language", language)
    _add(info, "category", "Safety")
    _add(info, "event", EVENT_TEXTS.get(language, EVENT_TEXTS["en"]))
    if codes.response_type:
        _add(info, "responseType", codes.response_type)
    _add(info, "urgency", codes.urgency)
    _add(info, "severity", codes.severity)
    _add(info, "certainty", codes.certainty)
    _add(info, "effective", cap_time(message.sent))
    if message.expires is not None:
        _add(info, "expires", cap_time(message.expires))
    sender_name = message.sender_names.get(language) or message.sender_names.get("en")
    if sender_name:
        _add(info, "senderName", sender_name)
    _add(info, "headline", text.headline)
    _add(info, "description", text.description)
    if text.instruction:
        _add(info, "instruction", text.instruction)
    if message.web:
        _add(info, "web", message.web)
    if message.contact:
        _add(info, "contact", message.contact)
    parameter = _add(info, "parameter")
    _add(parameter, "valueName", LEVEL_PARAMETER)
    _add(parameter, "value", message.level)
    for country in message.countries:
        area = _add(info, "area")
        name = _country_name(country, language)
        _add(area, "areaDesc", f"{name}: {message.region}" if message.region else name)
        geocode = _add(area, "geocode")
        _add(geocode, "valueName", GEOCODE_COUNTRY)
        _add(geocode, "value", country)


def cap_element(message: CapMessage) -> ET.Element:
    """The ``<alert>`` element of a message (for embedding, e.g. in an EDXL envelope)."""
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _add(alert, "identifier", message.identifier)
    _add(alert, "sender", message.sender)
    _add(alert, "sent", cap_time(message.sent))
    _add(alert, "status", message.status)
    _add(alert, "msgType", message.msg_type)
    _add(alert, "scope", "Public")
    if message.note:
        _add(alert, "note", message.note)
    if message.references:
        _add(alert, "references", " ".join(str(ref) for ref in message.references))
    if message.incidents:
        _add(alert, "incidents", message.incidents)
    for language in LANGUAGES:
        if language in message.texts:
            _info(alert, message, language, message.texts[language])
    return alert


def render_cap(message: CapMessage) -> bytes:
    """The message as a UTF-8 XML document, served as ``application/cap+xml``."""
    root = cap_element(message)
    ET.indent(root)
    return serialize(root, default_namespace=CAP_NS)


def serialize(root: ET.Element, *, default_namespace: str | None = None) -> bytes:
    """UTF-8 XML with its declaration. The standard library's writer (lxml would cost every
    worker ~4 MB) leaves a carriage return in text as it is, which a parser then reads as a
    line feed: it is written as a character reference, as lxml does, so text survives as typed.
    """
    body = ET.tostring(
        root, encoding="UTF-8", xml_declaration=True, default_namespace=default_namespace
    )
    return body.replace(b"\r", b"&#13;")


# --- from our alert versions ------------------------------------------------------------
class PublishedVersion(Protocol):
    """What a CAP message needs from an ``AlertVersion`` (the model satisfies it)."""

    number: int
    kind: str
    level: str
    countries: list[str]
    region: str | None
    titles: dict[str, str]
    bodies: dict[str, str]
    expires_at: datetime
    published_at: datetime | None


@dataclass(frozen=True)
class CapSource:
    """Who we are in CAP: set once per deployment (configuration)."""

    sender: str  # e.g. "alerts@mfa.example": stable, unique to us
    identifier_prefix: str  # e.g. "mfa.example"
    sender_names: Mapping[str, str] = field(default_factory=dict)  # language -> name
    status: Status = "Actual"  # "Test" or "Exercise" outside production
    contact: str | None = None
    alert_page_url: str | None = None  # e.g. "https://mfa.example/alerts/{alert_id}"


def incident_id(source: CapSource, alert_id: int) -> str:
    return f"{source.identifier_prefix}.alert.{alert_id}"


def version_identifier(source: CapSource, alert_id: int, number: int) -> str:
    return f"{incident_id(source, alert_id)}.v{number}"


def cancel_identifier(source: CapSource, alert_id: int) -> str:
    return f"{incident_id(source, alert_id)}.cancel"


def _published_before(
    source: CapSource, alert_id: int, published: Sequence[PublishedVersion], number: int | None
) -> tuple[CapReference, ...]:
    """References to the published versions before ``number`` (all of them for None)."""
    return tuple(
        CapReference(source.sender, version_identifier(source, alert_id, v.number), v.published_at)
        for v in sorted(published, key=lambda v: v.number)
        if v.published_at is not None and (number is None or v.number < number)
    )


def version_message(
    source: CapSource,
    alert_id: int,
    version: PublishedVersion,
    published: Sequence[PublishedVersion],
) -> CapMessage:
    """The CAP message of one published version; ``published`` lists every published
    (current or superseded) version of the alert, so the references can be written."""
    if version.published_at is None:
        raise ValueError("only a published version is a CAP message")
    references = _published_before(source, alert_id, published, version.number)
    texts = {
        language: CapText(headline=version.titles[language], description=body)
        for language in LANGUAGES
        if version.titles.get(language) and (body := version.bodies.get(language))
    }
    web = source.alert_page_url.format(alert_id=alert_id) if source.alert_page_url else None
    return CapMessage(
        identifier=version_identifier(source, alert_id, version.number),
        sender=source.sender,
        sent=version.published_at,
        msg_type="Update" if references else "Alert",
        status=source.status,
        references=references,
        incidents=incident_id(source, alert_id),
        texts=texts,
        level=version.level,
        all_clear=version.kind == "all_clear",
        countries=tuple(version.countries),
        region=version.region,
        expires=version.expires_at,
        sender_names=source.sender_names,
        web=web,
        contact=source.contact,
    )


def cancel_message(
    source: CapSource,
    alert_id: int,
    cancelled_at: datetime,
    published: Sequence[PublishedVersion],
) -> CapMessage:
    """The CAP Cancel of a withdrawn alert that had been published. The internal reason
    for the withdrawal stays internal; the note only says that it was withdrawn."""
    references = _published_before(source, alert_id, published, None)
    if not references:
        raise ValueError("an alert that was never published has nothing to cancel")
    return CapMessage(
        identifier=cancel_identifier(source, alert_id),
        sender=source.sender,
        sent=cancelled_at,
        msg_type="Cancel",
        status=source.status,
        references=references,
        incidents=incident_id(source, alert_id),
        note=CANCEL_NOTE,
    )
