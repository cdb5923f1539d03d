"""MailboxSender: real .eml files any mail client (here: the stdlib parser) can read."""

from __future__ import annotations

import logging
import shutil
import stat
import threading
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from mail import MailboxSender, MailMisconfigured, MailUnavailable, read_mailbox
from mail.mailbox import main, read_mail
from tests.mail.support import TEXTS, message

FROM = "掌上服务大厅 <no-reply@palm.example>"
NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture
def sender(tmp_path) -> MailboxSender:
    return MailboxSender(folder=tmp_path / "mailbox", from_address=FROM, clock=lambda: NOW)


def _parse(path):
    # The plain stdlib parser, not our read-back helper: what a mail client would see.
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


@pytest.mark.parametrize("lang", ["zh-Hans", "vi"])
def test_message_is_one_standard_multipart_file(sender, tmp_path, lang):
    subject, text, html = TEXTS[lang]
    result = sender.send(message=message(lang, reference=f"reset-{lang}"))

    path = tmp_path / "mailbox" / f"reset-{lang}.eml"
    assert [p.name for p in (tmp_path / "mailbox").iterdir()] == [path.name]
    assert result.reference == f"reset-{lang}"
    assert result.provider_message_id == f"reset-{lang}@palm.example"

    raw = path.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # non-ASCII subject and sender travel as RFC 2047 encoded words
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF throughout

    email = _parse(path)
    assert not email.defects
    assert email.get_content_type() == "multipart/alternative"
    assert email["Subject"] == subject
    assert email["To"] == "traveller@example.org"
    assert email["From"].addresses[0].display_name == "掌上服务大厅"
    assert email["From"].addresses[0].addr_spec == "no-reply@palm.example"
    assert email["Date"].datetime == NOW
    assert email["Message-ID"] == f"<reset-{lang}@palm.example>"
    assert email["MIME-Version"] == "1.0"
    assert email["Content-Language"] == lang
    assert email["X-Palm-Reference"] == f"reset-{lang}"

    parts = list(email.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    plain = parts[0].get_content().replace("\r\n", "\n")
    assert plain == text
    assert "482913" in plain
    assert parts[1].get_content().replace("\r\n", "\n").rstrip("\n") == html


def test_read_back_helpers_see_the_same_message(sender):
    sender.send(
        message=message("vi", reference="mail-7", headers={"Auto-Submitted": "auto-generated"})
    )
    stored = sender.message("mail-7")
    assert stored is not None
    subject, text, html = TEXTS["vi"]
    assert stored.subject == subject
    assert stored.text == text
    assert stored.html.rstrip("\n") == html
    assert stored.language == "vi"
    assert stored.reference == "mail-7"
    assert stored.to == "traveller@example.org"
    assert stored.message_id == "mail-7@palm.example"
    assert stored.date == NOW
    assert stored.email["Auto-Submitted"] == "auto-generated"
    assert sender.message("mail-8") is None


def test_text_only_message_is_a_single_text_part(sender, tmp_path):
    sender.send(message=message(html=None))
    email = _parse(tmp_path / "mailbox" / "mail-1.eml")
    assert email.get_content_type() == "text/plain"
    assert email.get_content_charset() == "utf-8"
    assert email["Content-Language"] == "zh-Hans"
    assert read_mail(tmp_path / "mailbox" / "mail-1.eml").html is None


def test_same_reference_twice_keeps_the_first_copy(sender, tmp_path):
    first = sender.send(message=message(reference="mail-9"))
    before = (tmp_path / "mailbox" / "mail-9.eml").read_bytes()
    second = sender.send(message=message("vi", reference="mail-9"))
    assert second == first
    assert (tmp_path / "mailbox" / "mail-9.eml").read_bytes() == before
    assert [m.reference for m in sender.messages()] == ["mail-9"]


def test_concurrent_sends_of_one_reference_write_one_file(sender, tmp_path):
    results = []
    barrier = threading.Barrier(6)

    def send(lang):
        barrier.wait()
        results.append(sender.send(message=message(lang, reference="mail-race")))

    threads = [threading.Thread(target=send, args=(lang,)) for lang in ["zh-Hans", "vi"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 6
    assert sorted(p.name for p in (tmp_path / "mailbox").iterdir()) == ["mail-race.eml"]
    assert not _parse(tmp_path / "mailbox" / "mail-race.eml").defects


def test_listing_is_oldest_first_and_ignores_other_files(sender, tmp_path):
    folder = tmp_path / "mailbox"
    for i in range(3):
        sender.send(message=message(reference=f"mail-{i}"))
    (folder / ".tmp-abc.part").write_bytes(b"half a mess")
    (folder / ".hidden.eml").write_bytes(b"Subject: editor backup\r\n\r\n")
    (folder / "notes.txt").write_text("not mail")
    assert [m.reference for m in read_mailbox(folder)] == ["mail-0", "mail-1", "mail-2"]
    assert read_mailbox(tmp_path / "missing") == []


def test_folder_and_files_are_private(sender, tmp_path):
    sender.send(message=message())
    folder_mode = stat.S_IMODE((tmp_path / "mailbox").stat().st_mode)
    file_mode = stat.S_IMODE((tmp_path / "mailbox" / "mail-1.eml").stat().st_mode)
    assert folder_mode & 0o077 == 0
    assert file_mode & 0o077 == 0


def test_log_line_names_the_message_but_not_its_content(sender, caplog):
    caplog.set_level(logging.INFO, logger="mail.mailbox")
    sender.send(message=message("vi", reference="mail-log"))
    lines = [r.getMessage() for r in caplog.records if r.name == "mail.mailbox"]
    assert len(lines) == 1
    assert "reference=mail-log" in lines[0] and "file=mail-log.eml" in lines[0]
    assert "482913" not in lines[0]  # the code
    assert "traveller@" not in lines[0]  # the address
    assert TEXTS["vi"][0] not in lines[0]  # the subject


def test_a_vanished_folder_is_a_retryable_failure(sender, tmp_path):
    shutil.rmtree(tmp_path / "mailbox")
    with pytest.raises(MailUnavailable) as excinfo:
        sender.send(message=message())
    assert excinfo.value.retryable is True
    assert not isinstance(excinfo.value, MailMisconfigured)


def test_bad_sender_is_refused_at_construction(tmp_path):
    with pytest.raises(ValueError):
        MailboxSender(folder=tmp_path, from_address="not an address")


def test_command_prints_the_latest_messages(sender, tmp_path, capsys):
    sender.send(message=message("zh-Hans", reference="mail-a"))
    sender.send(message=message("vi", reference="mail-b"))
    assert main([str(tmp_path / "mailbox"), "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert "mail-b.eml" in out and "mail-a.eml" not in out
    assert f"Subject: {TEXTS['vi'][0]}" in out
    assert "482913" in out  # the text part, decoded
    assert main([str(tmp_path / "empty")]) == 0
    assert "no messages" in capsys.readouterr().out
