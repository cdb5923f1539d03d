"""One Blueprint per resource, registered by ``register_resources``."""

from __future__ import annotations

from api.extensions import Api


def register_resources(api: Api) -> None:
    from api.resources import (
        accounts,
        admin_catalogue,
        applicants,
        applications,
        catalogue,
        legalizations,
        notifications,
        operations,
        payment_webhooks,
        payments,
        staff,
        staff_applications,
        staff_legalizations,
        staff_payments,
    )

    for module in (
        accounts,
        applicants,
        catalogue,
        admin_catalogue,
        staff,
        notifications,
        operations,
        legalizations,
        staff_legalizations,
        applications,
        staff_applications,
        payments,
        payment_webhooks,
        staff_payments,
    ):
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL_PREFIX)
    # The sandbox's "pay this intent" route exists only while the sandbox is the gateway.
    if api._app.config.get("PAYMENTS_BACKEND") == "sandbox":
        from api.resources import sandbox_payments

        api.register_blueprint(
            sandbox_payments.blp, url_prefix="/api/v1" + sandbox_payments.URL_PREFIX
        )
