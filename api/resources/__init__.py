"""One Blueprint per resource, registered by ``register_resources``."""

from __future__ import annotations

from api.extensions import Api


def register_resources(api: Api) -> None:
    from api.resources import (
        accounts,
        admin_catalogue,
        alerts,
        applicants,
        applications,
        appointments,
        catalogue,
        counter,
        legalizations,
        notifications,
        operations,
        schedules,
        staff,
        staff_alerts,
        staff_applications,
        staff_legalizations,
        trips,
    )

    for module in (
        accounts,
        applicants,
        catalogue,
        admin_catalogue,
        staff,
        appointments,
        schedules,
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
    ):
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL_PREFIX)
