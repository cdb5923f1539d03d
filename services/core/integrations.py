"""The vendor adapters of the running app, and the keys QR payloads are signed with, built
once from its configuration.

Services call these instead of building SDK clients or reading key files, so that the
embedded default (sandbox payments, log push, local storage, mailbox e-mail, a generated
signing key) and production (Stripe, FCM, S3, SES, configured keys) share one code path.
"""

from __future__ import annotations

from flask import current_app

from mail import MailSender, build_mail_sender
from payments import PaymentGateway, build_payment_gateway
from push import PushSender, build_push_sender
from services.core.seal_keys import KeyRing, keyring_from_settings
from storage import ObjectStore, build_object_store


def _cached(name: str, build):
    extensions = current_app.extensions
    if name not in extensions:
        extensions[name] = build(current_app.config)
    return extensions[name]


def push_sender() -> PushSender:
    return _cached("palm_push_sender", build_push_sender)


def payment_gateway() -> PaymentGateway:
    return _cached("palm_payment_gateway", build_payment_gateway)


def object_store() -> ObjectStore:
    return _cached("palm_object_store", build_object_store)


def build_seal_keyring(config) -> KeyRing:
    return keyring_from_settings(
        config.get("SEAL_SIGNING_KEYS"),
        config.get("SEAL_RETIRED_KEYS_FILE"),
        config["SEAL_DEV_KEY_FILE"],
    )


def seal_keyring() -> KeyRing:
    """The keys QR payloads are signed with, and the retired ones still published."""
    return _cached("palm_seal_keyring", build_seal_keyring)


def mail_sender() -> MailSender:
    return _cached("palm_mail_sender", build_mail_sender)
