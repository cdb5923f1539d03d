"""Vendor-neutral e-mail types: the message, the send result, errors and ``MailSender``.

Everything the rest of the backend sees of e-mail lives here. Adapters (``mail.mailbox``,
``mail.ses``) translate to and from their medium and never let SDK objects escape, so the
outbox can decide what to do with a failure (retry later, give up, page an operator) from
the flags on ``MailError`` alone.

A ``MailMessage`` is validated when it is built, with the rules of the strictest backend
(Amazon SES): a message the embedded mailbox accepts is one SES accepts too, so nothing
first fails in production.
"""

from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.utils import formataddr
from typing import Self

__all__ = [
    "CHARSET",
    "MAX_EXTRA_HEADERS",
    "REFERENCE_HEADER",
    "RESERVED_HEADERS",
    "InvalidMessage",
    "MailError",
    "MailMessage",
    "MailMisconfigured",
    "MailRejected",
    "MailSender",
    "MailUnavailable",
    "SendResult",
    "mask_address",
    "normalise_address",
    "parse_sender",
]

CHARSET = "UTF-8"

#: Carries ``MailMessage.reference`` in every message, so a copy found in a mailbox, a bounce
#: or a complaint can be traced back to the outbox row that produced it.
REFERENCE_HEADER = "X-Palm-Reference"

# Headers the adapters write themselves (or SES overwrites): a caller setting one of them
# would produce a duplicate or a silently ignored value.
RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        "From",
        "To",
        "Cc",
        "Bcc",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Language",
        "Return-Path",
        REFERENCE_HEADER,
    )
)
# SES Simple content takes at most 15 headers; we add Content-Language and the reference.
MAX_EXTRA_HEADERS = 13
# SES: header name printable ASCII without ":" (<= 126), value printable ASCII (<= 995),
# name + value <= 996.
_HEADER_NAME_RE = re.compile(r"[!-9;-~]{1,126}")
_HEADER_VALUE_RE = re.compile(r"[ -~]{0,995}")
# The reference is also an SES message tag value ([A-Za-z0-9_-], <= 256) and a file name.
_REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
# BCP 47 shape only ("en", "zh-Hans", "vi"); which languages we speak is decided elsewhere.
_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
# What SES takes in an envelope address: no SMTPUTF8, so an ASCII local part (RFC 5322
# dot-atom characters) and a domain that is ASCII once IDNA-encoded.
_LOCAL_PART_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
_DOMAIN_RE = re.compile(
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}"
)
MAX_SUBJECT_LENGTH = 998  # one header line (RFC 5322)


def mask_address(address: str) -> str:
    """What to log instead of an address: ``j***@example.org#1a2b3c``.

    Addresses are personal data and must not end up in logs whole; the domain and a short
    stable hash are enough to tell messages apart and to spot a provider-wide problem.
    """
    address = address.lower()
    local, _, domain = address.rpartition("@")
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:6]
    return f"{local[:1]}***@{domain}#{digest}"


# --------------------------------------------------------------------------- errors


class MailError(Exception):
    """Base of every e-mail failure. The flags tell the caller what to do next."""

    code: str = "MAIL_ERROR"
    retryable: bool = False  # the same message may go through later: back off and retry
    operator_alert: bool = False  # our setup is broken (keys, identity, paused account)

    def __init__(self, message: str = "", *, provider_code: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        # The vendor's own error code (e.g. SES "MessageRejected"), for logs and metrics;
        # ``code`` stays ours so callers never branch on vendor strings.
        self.provider_code = provider_code

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(code={self.code!r}, "
            f"provider_code={self.provider_code!r}, message={str(self)!r})"
        )


class MailUnavailable(MailError):
    """Transient: throttling, quota, 5xx, timeouts, connection failures. Retry later."""

    code = "UNAVAILABLE"
    retryable = True


class MailMisconfigured(MailUnavailable):
    """Our credentials, sending identity, configuration set or account state are wrong.

    Retryable on purpose: every message fails until a human fixes the setup, and then they
    should all go out rather than be dropped.
    """

    code = "MISCONFIGURED"
    operator_alert = True


class MailRejected(MailError):
    """The provider refused this message (bad address, content, unverified identity):
    sending the same message again will fail the same way."""

    code = "REJECTED"


class InvalidMessage(MailRejected, ValueError):
    """The message breaks our own rules (raised when it is built, before any send)."""

    code = "INVALID_MESSAGE"


# ------------------------------------------------------------------------ addresses


def normalise_address(address: str) -> str:
    """Return ``address`` as SES takes it (IDNA domain), or raise ``InvalidMessage``.

    Only a bare ``local@domain`` is accepted: display names belong to the sender address
    (see ``parse_sender``), and a non-ASCII local part cannot be delivered without
    SMTPUTF8, which SES does not offer.
    """
    if not isinstance(address, str) or address != address.strip() or not address:
        raise InvalidMessage(f"invalid e-mail address: {address!r}")
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL_PART_RE.fullmatch(local) or len(local) > 64:
        raise InvalidMessage(f"invalid e-mail address: {address!r}")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidMessage(f"invalid e-mail domain: {address!r}") from exc
    if not _DOMAIN_RE.fullmatch(ascii_domain):
        raise InvalidMessage(f"invalid e-mail domain: {address!r}")
    return f"{local}@{ascii_domain.lower()}"


def parse_sender(sender: str) -> tuple[str, str]:
    """Split a configured sender (``"Name <addr>"`` or ``"addr"``) into (name, address).

    Raises ``ValueError`` (a configuration error, found at start-up) when it is not one
    valid address.
    """
    if not isinstance(sender, str) or not sender.strip() or any(ch in sender for ch in "\r\n"):
        raise ValueError(f"invalid sender address: {sender!r}")
    # The stdlib's header parser (not parseaddr, which silently picks one of several
    # addresses) also decodes an encoded-word display name.
    header = policy.default.header_factory("From", sender)
    if header.defects or len(header.addresses) != 1:
        raise ValueError(f"invalid sender address: {sender!r}")
    (parsed,) = header.addresses
    try:
        return parsed.display_name, normalise_address(parsed.addr_spec)
    except InvalidMessage as exc:
        raise ValueError(f"invalid sender address: {sender!r}") from exc


def format_sender(name: str, address: str) -> str:
    """``"Name <addr>"`` with a non-ASCII name as an RFC 2047 encoded word (7-bit safe)."""
    return formataddr((name, address), charset="utf-8") if name else address


# ------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class MailMessage:
    """One e-mail to one recipient, already rendered in the recipient's language.

    ``reference`` is our idempotency reference (e.g. the outbox row, ``"mail-42"``): the
    mailbox keeps one file per reference, and every backend stamps it on the message
    (``X-Palm-Reference``) and, on SES, as the ``reference`` message tag of sending events.
    ``headers`` adds headers such as ``List-Unsubscribe`` or ``Auto-Submitted``.
    """

    to: str
    subject: str
    text: str
    language: str
    reference: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", normalise_address(self.to))
        if not isinstance(self.subject, str) or not self.subject.strip():
            raise InvalidMessage("subject must be a non-empty string")
        if len(self.subject) > MAX_SUBJECT_LENGTH or any(c in self.subject for c in "\r\n\0"):
            raise InvalidMessage("subject must be one line of at most 998 characters")
        if not isinstance(self.text, str) or not self.text.strip():
            # Plain text is never optional: some clients and every screen reader need it.
            raise InvalidMessage("text must be a non-empty string")
        if self.html is not None and (not isinstance(self.html, str) or not self.html.strip()):
            raise InvalidMessage("html must be None or a non-empty string")
        if not isinstance(self.language, str) or not _LANGUAGE_RE.fullmatch(self.language):
            raise InvalidMessage(f"language must be a BCP 47 tag, got {self.language!r}")
        if not isinstance(self.reference, str) or not _REFERENCE_RE.fullmatch(self.reference):
            raise InvalidMessage(
                f"reference must match [A-Za-z0-9][A-Za-z0-9_-]{{0,127}}, got {self.reference!r}"
            )
        # Copy, so a caller mutating its dict later cannot change a "frozen" message.
        headers = dict(self.headers)
        if len(headers) > MAX_EXTRA_HEADERS:
            raise InvalidMessage(f"at most {MAX_EXTRA_HEADERS} extra headers")
        seen: set[str] = set()
        for name, value in headers.items():
            if not isinstance(name, str) or not _HEADER_NAME_RE.fullmatch(name):
                raise InvalidMessage(f"invalid header name {name!r}")
            if name.lower() in RESERVED_HEADERS or name.lower() in seen:
                raise InvalidMessage(f"header {name!r} is set by the sender or given twice")
            seen.add(name.lower())
            # Printable ASCII only: this is also what stops CR/LF header injection.
            if not isinstance(value, str) or not _HEADER_VALUE_RE.fullmatch(value):
                raise InvalidMessage(f"header {name!r} must be printable ASCII (<= 995 chars)")
            if len(name) + len(value) > 996:
                raise InvalidMessage(f"header {name!r} is too long")
        object.__setattr__(self, "headers", headers)

    @property
    def to_ref(self) -> str:
        """What to log instead of the recipient."""
        return mask_address(self.to)

    def all_headers(self) -> list[tuple[str, str]]:
        """The headers every backend adds besides From/To/Subject, in a stable order."""
        return [
            ("Content-Language", self.language),
            (REFERENCE_HEADER, self.reference),
            *self.headers.items(),
        ]


@dataclass(frozen=True)
class SendResult:
    """A message the backend accepted: its id there (SES MessageId, the mailbox Message-ID)
    and our reference, so the outbox can record both."""

    provider_message_id: str
    reference: str


# ------------------------------------------------------------------------ interface


class MailSender(abc.ABC):
    """What services depend on. Implementations must be safe to share between threads."""

    @abc.abstractmethod
    def send(self, *, message: MailMessage) -> SendResult:
        """Hand ``message`` over for delivery; raise ``MailError`` when that fails.

        Acceptance is not delivery: bounces and complaints arrive later, out of band.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, most senders hold nothing
        """Release resources (connections). Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
