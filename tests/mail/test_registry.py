"""build_mail_sender picks the configured backend and reads its settings."""

from __future__ import annotations

import pytest

from mail import MailboxSender, MailSender, build_mail_sender
from mail.registry import DEFAULT_FROM
from mail.ses import SesMailSender
from tests.mail.support import message


def test_mailbox_is_the_default_under_instance(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sender = build_mail_sender({})
    assert isinstance(sender, MailboxSender) and isinstance(sender, MailSender)
    sender.send(message=message())
    assert (tmp_path / "instance" / "mailbox" / "mail-1.eml").is_file()
    assert sender.message("mail-1").sender == DEFAULT_FROM


def test_mailbox_settings(tmp_path):
    sender = build_mail_sender(
        {
            "MAIL_BACKEND": "mailbox",
            "MAILBOX_DIR": str(tmp_path / "box"),
            "MAIL_FROM": "Embassy <consulate@palm.example>",
        }
    )
    sender.send(message=message(reference="mail-2"))
    stored = sender.message("mail-2")
    assert stored.path == tmp_path / "box" / "mail-2.eml"
    assert stored.sender == "Embassy <consulate@palm.example>"


def test_ses_builds_without_network_and_reads_its_settings():
    sender = build_mail_sender(
        {
            "MAIL_BACKEND": "ses",
            "MAIL_FROM": "Palm <no-reply@palm.example>",
            "SES_REGION": "ap-southeast-2",
            "SES_ENDPOINT_URL": "http://127.0.0.1:9",
            "SES_CONFIGURATION_SET": "palm-events",
            "SES_TIMEOUT": "4",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    assert isinstance(sender, SesMailSender)
    client = sender._client
    assert client.meta.region_name == "ap-southeast-2"
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.config.read_timeout == 4
    request = sender.request_for(message())
    assert request["FromEmailAddress"] == "Palm <no-reply@palm.example>"
    assert request["ConfigurationSetName"] == "palm-events"


def test_ses_needs_a_sender():
    with pytest.raises(ValueError, match="MAIL_FROM is required"):
        build_mail_sender({"MAIL_BACKEND": "ses", "SES_REGION": "eu-west-1"})


@pytest.mark.parametrize("backend", ["mailbox", "ses"])
def test_a_malformed_sender_fails_at_build_time(tmp_path, backend):
    with pytest.raises(ValueError, match="invalid sender"):
        build_mail_sender(
            {"MAIL_BACKEND": backend, "MAIL_FROM": "a@x.org, b@x.org", "MAILBOX_DIR": str(tmp_path)}
        )


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown MAIL_BACKEND 'smtp'.*'mailbox', 'ses'"):
        build_mail_sender({"MAIL_BACKEND": "smtp"})
