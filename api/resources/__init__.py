"""One Blueprint per resource, registered by ``register_resources``."""

from __future__ import annotations

from flask import Flask

from api.rest_api import Api


def register_resources(app: Flask, api: Api) -> None:
    from api.resources import (
        account_lifecycle,
        accounts,
        admin_catalogue,
        alerts,
        applicants,
        applications,
        appointments,
        catalogue,
        counter,
        document_rules,
        documents,
        legalization_pages,
        legalizations,
        notifications,
        operations,
        payment_webhooks,
        payments,
        releases,
        schedules,
        seal_keys,
        staff,
        staff_alerts,
        staff_applications,
        staff_legalizations,
        staff_payments,
        staff_releases,
        storage,
        trips,
        waitlist,
    )

    for module in (
        accounts,
        account_lifecycle,
        applicants,
        catalogue,
        admin_catalogue,
        staff,
        appointments,
        schedules,
        releases,
        staff_releases,
        waitlist,
        counter,
        notifications,
        operations,
        legalizations,
        staff_legalizations,
        applications,
        staff_applications,
        trips,
        alerts,
        staff_alerts,
        document_rules,
        documents,
        payments,
        payment_webhooks,
        staff_payments,
        seal_keys,
    ):
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL_PREFIX)
    # The page a sticker's QR code opens is for people, outside the API's prefix, and short
    # (every character of its address is in the QR code).
    api.register_blueprint(legalization_pages.blp)
    # The local object store's upload and download ends exist only when it is the store.
    if app.config.get("STORAGE_BACKEND") == "local":
        api.register_blueprint(storage.blp, url_prefix="/api/v1" + storage.URL_PREFIX)
    # The sandbox's "pay this intent" route exists only while the sandbox is the gateway.
    if app.config.get("PAYMENTS_BACKEND") == "sandbox":
        from api.resources import sandbox_payments

        api.register_blueprint(
            sandbox_payments.blp, url_prefix="/api/v1" + sandbox_payments.URL_PREFIX
        )
