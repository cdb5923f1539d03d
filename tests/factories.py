"""Plain ``create_x(**overrides)`` factories for tests, plus HTTP helpers."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

PASSWORD = "correct horse battery staple"  # noqa: S105

_counter = itertools.count(1)


class Factories:
    def __init__(self, app, client) -> None:
        self.app = app
        self.client = client

    # --- catalogue -----------------------------------------------------------------------
    def post(self, **overrides: Any):
        from services import catalogue

        n = next(_counter)
        data = {
            "code": f"FR-T{n:03d}",
            "kind": "embassy",
            "names": {
                "en": f"Test post {n}",
                "zh-Hans": f"测试使馆 {n}",
                "zh-Hant": f"測試使館 {n}",
                "vi": f"Cơ quan thử {n}",
            },
            "country": "FR",
            "city": "Paris",
            "time_zone": "Europe/Paris",
            "address": "1 rue de Test",
            "currency": "EUR",
            "mobile_payment_enabled": True,
        }
        data.update(overrides)
        with self.app.app_context():
            post = catalogue.create_post(None, data)
            return _detach(post)

    def service_type(self, **overrides: Any):
        from services import catalogue

        n = next(_counter)
        data = {
            "code": f"service_{n}",
            "names": {"en": f"Service {n}", "vi": f"Dịch vụ {n}"},
            "materials": {"en": ["Photo"], "vi": ["Ảnh"]},
            "processing_days": 10,
        }
        data.update(overrides)
        with self.app.app_context():
            return _detach(catalogue.create_service_type(None, data))

    def fee(self, post_code: str, service_code: str, amount: str):
        from services import catalogue

        with self.app.app_context():
            return _detach(catalogue.set_fee(None, post_code, service_code, amount))

    # --- accounts ------------------------------------------------------------------------
    def citizen(self, email: str | None = None, **overrides: Any):
        from services import accounts

        email = email or f"citizen{next(_counter)}@example.org"
        with self.app.app_context():
            account = accounts.register_citizen(
                email=email, phone=overrides.pop("phone", None), password=PASSWORD, **overrides
            )
            return _detach(account)

    def staff(
        self, role: str = "officer", posts: list[str] | None = None, email: str | None = None
    ):
        from services import accounts

        email = email or f"{role}{next(_counter)}@consular.example"
        with self.app.app_context():
            account = accounts.create_staff(
                email=email, password=PASSWORD, role=role, post_codes=posts or []
            )
            return _detach(account)

    def login(self, email: str, password: str = PASSWORD) -> dict:
        response = self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def auth(self, account_or_email) -> dict[str, str]:
        """Authorization header for an account (logs in over HTTP)."""
        email = account_or_email if isinstance(account_or_email, str) else account_or_email.email
        return {"Authorization": "Bearer " + self.login(email)["access_token"]}

    # --- legalizations --------------------------------------------------------------------
    def legalization(self, post, **overrides: Any):
        """A legalization record of ``post``, written directly (numbers given normalised)."""
        from services.db import db
        from services.models import Legalization

        n = next(_counter)
        data = {
            "authentication_number": f"2026-{n:06d}",
            "sub_number": "1",
            "sticker_number": f"ST{n:08d}",
            "submitter_kind": "person",
            "submitter_name": "Nguyễn Văn An",
            "country_of_use": "VN",
            "document_type": "civil_status",
            "document_title": "出生公证书",
            "issuer": "北京市方正公证处",
            "signer": "王小明",
            "legalized_on": date(2026, 3, 2),
            "place": "Paris",
            "notes": "internal note",
        }
        data.update(overrides)
        with self.app.app_context():
            record = Legalization(post_id=post.id, **data)
            db.session.add(record)
            db.session.commit()
            db.session.refresh(record)
            return _detach(record)

    def walk_in_post(self, **overrides: Any):
        """A post that accepts walk-ins and offers one service (code returned too)."""
        post = self.post(walk_in_applications=True, **overrides)
        service = self.service_type(processing_days=10)
        self.fee(post.code, service.code, "60")
        return post, service

    def application(self, officer, post_code: str, service_code: str, **overrides: Any):
        """Open a walk-in application through the service layer (for the given officer)."""
        from services import applications
        from services.db import db
        from services.models import Account

        data = {
            "service": service_code,
            "person": {
                "surname_latin": "Nguyen",
                "given_names_latin": "Van An",
                "date_of_birth": date(1990, 5, 17),
            },
        }
        data.update(overrides)
        with self.app.app_context():
            actor = db.session.get(Account, officer.id)
            return _detach(applications.open_walk_in(actor, post_code, data))

    def applicant_payload(self, **overrides: Any) -> dict:
        data = {
            "relationship": "self",
            "surname_latin": "Nguyen",
            "given_names_latin": "Van An",
            "surname_native": "Nguyễn",
            "given_names_native": "Văn An",
            "date_of_birth": date(1990, 5, 17).isoformat(),
            "sex": "M",
            "nationality": "VN",
            "passport_number": "C1234567",
        }
        data.update(overrides)
        return data


def _detach(obj):
    from services.db import db

    db.session.expunge(obj)
    return obj
