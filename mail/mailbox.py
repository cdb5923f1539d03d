"""``MailboxSender``: the embedded default, for local development and tests.

It delivers nothing, but it is real, deterministic code: each message becomes one RFC 5322
file, ``<reference>.eml``, in a mailbox folder (default ``instance/mailbox``), built with the
standard library's ``email`` package exactly as a mail client expects it (multipart/
alternative with a text and an HTML part, UTF-8, encoded-word headers, CRLF line ends), so
any mail client opens it. One log line says a message was written, never what it says:
links and codes in a body are secrets until used.

The file name is the message's idempotency reference, so sending the same reference twice
keeps the first copy (as a provider honouring an idempotency key would) and the tests can
find a message by reference. ``read_mailbox`` reads the folder back;
``python -m mail [FOLDER]`` prints the latest messages.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

from .base import (
    REFERENCE_HEADER,
    MailMessage,
    MailMisconfigured,
    MailSender,
    MailUnavailable,
    SendResult,
    parse_sender,
)

__all__ = [
    "DEFAULT_FOLDER",
    "MailboxSender",
    "StoredMail",
    "build_email",
    "read_mail",
    "read_mailbox",
]

log = logging.getLogger(__name__)

DEFAULT_FOLDER = Path("instance") / "mailbox"
SUFFIX = ".eml"
_TMP_PREFIX = ".tmp-"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def build_email(
    message: MailMessage,
    *,
    from_name: str,
    from_address: str,
    date: datetime,
    message_id: str,
) -> EmailMessage:
    """The MIME form of ``message``: headers, then text/plain (and text/html) in UTF-8."""
    email = EmailMessage(policy=policy.default)
    # The default policy turns a non-ASCII display name or subject into RFC 2047 encoded
    # words when serialised with a 7-bit header policy (SMTP), as mail clients expect.
    email["From"] = Address(display_name=from_name, addr_spec=from_address)
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(date)
    email["Message-ID"] = f"<{message_id}>"
    email.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
    # After the body: set_content() drops every Content-* header, Content-Language included.
    for name, value in message.all_headers():
        email[name] = value
    return email


class MailboxSender(MailSender):
    """Writes messages as ``.eml`` files into ``folder``. Thread- and process-safe: each file
    appears whole (written aside, then linked into place) and at most once per reference."""

    def __init__(
        self,
        *,
        folder: Path | str = DEFAULT_FOLDER,
        from_address: str,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.folder = Path(folder)
        self._from_name, self._from_address = parse_sender(from_address)
        self._domain = self._from_address.rpartition("@")[2]
        self._clock = clock
        # 0o700: the messages hold reset links and verification codes.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_for(self, reference: str) -> Path:
        """Where the message with ``reference`` is (or would be) stored."""
        return self.folder / f"{reference}{SUFFIX}"

    def send(self, *, message: MailMessage) -> SendResult:
        path = self.path_for(message.reference)
        message_id = f"{message.reference}@{self._domain}"
        result = SendResult(provider_message_id=message_id, reference=message.reference)
        if path.exists():
            log.info(
                "mail already in mailbox, kept the first copy reference=%s file=%s",
                message.reference,
                path.name,
            )
            return result
        email = build_email(
            message,
            from_name=self._from_name,
            from_address=self._from_address,
            date=self._clock(),
            message_id=message_id,
        )
        try:
            created = self._write_once(path, email.as_bytes(policy=policy.SMTP))
        except PermissionError as exc:
            raise MailMisconfigured(f"mailbox folder not writable: {exc}") from exc
        except OSError as exc:  # disk full, folder removed under us, ...
            raise MailUnavailable(f"mailbox write failed: {exc}") from exc
        log.info(
            "mail %s reference=%s to=%s language=%s file=%s",
            "written to mailbox" if created else "already in mailbox, kept the first copy",
            message.reference,
            message.to_ref,
            message.language,
            path.name,
        )
        return result

    def _write_once(self, path: Path, data: bytes) -> bool:
        """Write ``data`` to ``path`` unless it exists; True if this call created it."""
        # Same folder, so the link is atomic; readers never see half a message.
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".part", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
            try:
                # link() fails if the name exists: of two concurrent sends, one wins.
                os.link(tmp_name, path)
            except FileExistsError:
                return False
            return True
        finally:
            os.unlink(tmp_name)

    def messages(self) -> list[StoredMail]:
        """Every message in the folder, oldest first."""
        return read_mailbox(self.folder)

    def message(self, reference: str) -> StoredMail | None:
        """The message stored under ``reference``, or None."""
        path = self.path_for(reference)
        return read_mail(path) if path.exists() else None


# ----------------------------------------------------------------- reading it back


@dataclass(frozen=True)
class StoredMail:
    """One message read back from the mailbox, parsed by the standard library."""

    path: Path
    email: EmailMessage

    @property
    def reference(self) -> str:
        return str(self.email[REFERENCE_HEADER])

    @property
    def to(self) -> str:
        return str(self.email["To"])

    @property
    def sender(self) -> str:
        return str(self.email["From"])

    @property
    def subject(self) -> str:
        return str(self.email["Subject"])

    @property
    def language(self) -> str:
        return str(self.email["Content-Language"])

    @property
    def message_id(self) -> str:
        return str(self.email["Message-ID"]).strip("<>")

    @property
    def date(self) -> datetime:
        return self.email["Date"].datetime

    @property
    def text(self) -> str:
        return self._body("plain") or ""

    @property
    def html(self) -> str | None:
        return self._body("html")

    def _body(self, subtype: str) -> str | None:
        part = self.email.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            return None
        # Undo the wire's CRLF line ends: callers compare with what they rendered.
        return part.get_content().replace("\r\n", "\n")


def read_mail(path: Path | str) -> StoredMail:
    """Parse one ``.eml`` file."""
    path = Path(path)
    with path.open("rb") as handle:
        email = BytesParser(policy=policy.default).parse(handle)
    assert isinstance(email, EmailMessage)  # guaranteed by policy.default
    return StoredMail(path=path, email=email)


def read_mailbox(folder: Path | str) -> list[StoredMail]:
    """Every message in ``folder``, oldest first (by file time, then name)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    paths = [p for p in folder.glob(f"*{SUFFIX}") if not p.name.startswith(".")]
    paths.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [read_mail(p) for p in paths]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mail [FOLDER] [-n N]``: print the latest messages, text part."""
    parser = argparse.ArgumentParser(prog="python -m mail", description=main.__doc__)
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("-n", "--last", type=int, default=5, help="how many (default 5)")
    args = parser.parse_args(argv)
    stored = read_mailbox(args.folder)
    if not stored:
        print(f"no messages in {args.folder}")
        return 0
    for mail in stored[-max(args.last, 1) :]:
        print(f"=== {mail.path}")
        print(f"Date: {mail.date.isoformat()}")
        print(f"From: {mail.sender}")
        print(f"To: {mail.to}")
        print(f"Subject: {mail.subject}")
        print(f"Language: {mail.language}")
        print()
        print(mail.text.rstrip("\n"))
        print()
    return 0
