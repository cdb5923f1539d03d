"""Sending a link and a code by e-mail, and answering requests about an address in a time
that does not depend on whether the address has an account.

The link opens the app (``ACCOUNT_LINK_BASE_URL``/<action>?token=...), which POSTs the
token: a mail scanner that follows links changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app

from services.accounts import tokens
from services.emails.outbox import queue_email
from services.models import Account

# purpose -> (the app's path, the e-mail template, the config key of the lifetime)
PURPOSES: dict[str, tuple[str, str, str]] = {
    "verify_email": ("verify-email", "verify_email", "EMAIL_VERIFICATION_TTL"),
    "reset_password": ("reset-password", "password_reset", "PASSWORD_RESET_TTL"),
    "change_email": ("confirm-email-change", "email_change_verify", "EMAIL_CHANGE_TTL"),
}


def send_secret(account: Account, purpose: str, *, new_email: str | None = None) -> None:
    """Issue a token for ``purpose`` and e-mail its link and code (to ``new_email`` when
    given, else to the account's address), in the caller's unit of work."""
    path, template, ttl_key = PURPOSES[purpose]
    ttl: timedelta = current_app.config[ttl_key]
    issued = tokens.issue(account, purpose, ttl, new_email=new_email)
    base = current_app.config["ACCOUNT_LINK_BASE_URL"].rstrip("/")
    queue_email(
        to=new_email or account.email,
        language=account.language,
        template=template,
        params={
            "link": f"{base}/{path}?{urlencode({'token': issued.token})}",
            "code": issued.code,
            "minutes": int(ttl.total_seconds() // 60),
        },
        account_id=account.id,
    )


@contextmanager
def answered_no_sooner_than(
    seconds: Callable[[], float] | None = None,
) -> Iterator[None]:
    """Hold the answer until ``ACCOUNT_REQUEST_MIN_SECONDS`` have passed since entering.

    Registration and reset requests do different work for a known and an unknown address
    (a token and an e-mail, or nothing); the floor, well above either, makes their timing
    equal. Errors (a refused password) wait too: they are the same for both.
    """
    started = time.monotonic()
    try:
        yield
    finally:
        floor = seconds() if seconds else current_app.config["ACCOUNT_REQUEST_MIN_SECONDS"]
        remaining = floor - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
