"""MailMessage validation, sender parsing, address masking and the error flags."""

from __future__ import annotations

import pytest

from mail import (
    InvalidMessage,
    MailError,
    MailMisconfigured,
    MailRejected,
    MailUnavailable,
    mask_address,
)
from mail.base import REFERENCE_HEADER, format_sender, normalise_address, parse_sender
from tests.mail.support import message


def test_a_valid_message_keeps_its_fields_and_adds_our_headers():
    msg = message("vi", reference="mail-42", headers={"Auto-Submitted": "auto-generated"})
    assert msg.to == "traveller@example.org"
    assert msg.all_headers() == [
        ("Content-Language", "vi"),
        (REFERENCE_HEADER, "mail-42"),
        ("Auto-Submitted", "auto-generated"),
    ]


def test_headers_are_copied_so_the_message_stays_frozen():
    headers = {"Auto-Submitted": "auto-generated"}
    msg = message(headers=headers)
    headers["Bcc"] = "spy@example.org"
    assert dict(msg.headers) == {"Auto-Submitted": "auto-generated"}


def test_idn_domain_is_punycoded_and_lowercased():
    assert normalise_address("Anna@Bücher.Example") == "Anna@xn--bcher-kva.example"
    assert message(to="anna@bücher.example").to == "anna@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "no-at-sign",
        "张伟@example.org",  # SES has no SMTPUTF8
        "a@b",  # no dot in the domain
        "a@-bad-.example",
        " a@example.org",
        "Anna <anna@example.org>",  # display names belong to the sender only
        "a@example.org\r\nBcc: x@example.org",
        "two@example.org, more@example.org",
    ],
)
def test_bad_recipients_are_refused(address):
    with pytest.raises(InvalidMessage):
        message(to=address)


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": ""},
        {"subject": "  "},
        {"subject": "Reset\r\nBcc: spy@example.org"},
        {"subject": "x" * 999},
        {"text": ""},
        {"html": ""},
        {"language": "english language"},
        {"language": ""},
        {"reference": ""},
        {"reference": "../etc/passwd"},
        {"reference": "mail 1"},
        {"reference": "-leading-dash"},
        {"reference": "x" * 129},
        {"headers": {"Bcc": "spy@example.org"}},
        {"headers": {"content-language": "en"}},
        {"headers": {"X-Palm-Reference": "other"}},
        {"headers": {"Bad Name": "x"}},
        {"headers": {"Bad:Name": "x"}},
        {"headers": {"X-Note": "line\r\nBcc: spy@example.org"}},
        {"headers": {"X-Note": "không ASCII"}},
        {"headers": {"X-Note": "x" * 996}},
        {"headers": {f"X-H{i}": "v" for i in range(14)}},
    ],
)
def test_invalid_messages_are_refused_when_built(overrides):
    with pytest.raises(InvalidMessage):
        message(**overrides)


def test_invalid_message_is_a_non_retryable_rejection_and_a_value_error():
    with pytest.raises(ValueError) as excinfo:
        message(reference="no spaces")
    assert isinstance(excinfo.value, MailRejected)
    assert excinfo.value.retryable is False


def test_text_only_message_is_allowed():
    assert message(html=None).html is None


def test_error_flags():
    assert MailUnavailable().retryable and not MailUnavailable().operator_alert
    assert MailMisconfigured().retryable and MailMisconfigured().operator_alert
    assert isinstance(MailMisconfigured(), MailUnavailable)
    assert not MailRejected().retryable and not MailRejected().operator_alert
    error = MailRejected("nope", provider_code="MessageRejected")
    assert isinstance(error, MailError)
    assert error.code == "REJECTED" and error.provider_code == "MessageRejected"
    assert "MessageRejected" in repr(error)


def test_mask_address_hides_the_local_part_but_stays_stable():
    masked = mask_address("traveller@example.org")
    assert "traveller" not in masked
    assert masked.startswith("t***@example.org#")
    assert masked == mask_address("Traveller@example.org")  # same person, same mark
    assert masked != mask_address("tourist@example.org")


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("no-reply@palm.example", ("", "no-reply@palm.example")),
        (
            "Palm service hall <no-reply@palm.example>",
            ("Palm service hall", "no-reply@palm.example"),
        ),
        ('"Embassy, Paris" <paris@palm.example>', ("Embassy, Paris", "paris@palm.example")),
        ("掌上服务大厅 <no-reply@palm.example>", ("掌上服务大厅", "no-reply@palm.example")),
        ("=?utf-8?b?5o6M5LiK?= <n@palm.example>", ("掌上", "n@palm.example")),
    ],
)
def test_parse_sender(sender, expected):
    assert parse_sender(sender) == expected


@pytest.mark.parametrize(
    "sender",
    ["", "junk", "a@palm.example, b@palm.example", "x <张伟@palm.example>", "a@palm.example\n"],
)
def test_parse_sender_refuses_what_is_not_one_address(sender):
    with pytest.raises(ValueError):
        parse_sender(sender)


def test_format_sender_encodes_non_ascii_names_for_ses():
    assert format_sender("", "a@palm.example") == "a@palm.example"
    assert format_sender("Palm", "a@palm.example") == "Palm <a@palm.example>"
    encoded = format_sender("掌上服务大厅", "a@palm.example")
    assert encoded.isascii() and encoded.startswith("=?utf-8?")
    assert parse_sender(encoded) == ("掌上服务大厅", "a@palm.example")
