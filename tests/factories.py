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
        from services.catalogue import catalogue

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
        from services.catalogue import catalogue

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
        from services.catalogue import catalogue

        with self.app.app_context():
            return _detach(catalogue.set_fee(None, post_code, service_code, amount))

    # --- accounts ------------------------------------------------------------------------
    def citizen(self, email: str | None = None, **overrides: Any):
        from services.accounts import accounts

        email = email or f"citizen{next(_counter)}@example.org"
        with self.app.app_context():
            # Verified unless a test says otherwise: booking needs a verified address.
            overrides.setdefault("email_verified", True)
            account = accounts.register_citizen(
                email=email, phone=overrides.pop("phone", None), password=PASSWORD, **overrides
            )
            return _detach(account)

    def staff(
        self, role: str = "officer", posts: list[str] | None = None, email: str | None = None
    ):
        from services.accounts import accounts

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

    # --- appointments ----------------------------------------------------------------------
    def applicant(self, account, **overrides: Any):
        """An applicant of ``account`` (relationship "other", so any number may exist)."""
        from services.accounts import applicants

        payload = self.applicant_payload(relationship="other", **overrides)
        payload["date_of_birth"] = date.fromisoformat(payload["date_of_birth"])
        with self.app.app_context():
            owner = _load_account(account)
            return _detach(applicants.create_applicant(owner, payload))

    def slot(self, post_code: str, service_code: str, starts_at, minutes: int = 30, **overrides):
        """A slot row straight in the database (templates are tested on their own)."""
        from datetime import timedelta

        from services.catalogue.catalogue import get_post, get_service_type
        from services.core.db import db
        from services.models import Slot

        with self.app.app_context():
            slot = Slot(
                post_id=get_post(post_code, include_inactive=True).id,
                service_type_id=get_service_type(service_code).id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=minutes),
                capacity=overrides.pop("capacity", 1),
                booked=overrides.pop("booked", 0),
                in_schedule=overrides.pop("in_schedule", True),
                **overrides,
            )
            db.session.add(slot)
            db.session.commit()
            return _detach(slot)

    def booking_policy(self, post_code: str, **changes: Any):
        from services.appointments import schedules

        with self.app.app_context():
            return _detach(schedules.update_policy(self._admin(), post_code, changes))

    def template(self, post_code: str, services: list[str], **overrides: Any):
        from datetime import time

        from services.appointments import schedules

        data = {
            "weekday": 0,
            "opens_at": time(9),
            "closes_at": time(12),
            "slot_minutes": 30,
            "capacity": 2,
            "valid_from": None,
            "valid_until": None,
            "services": services,
        }
        data.update(overrides)
        with self.app.app_context():
            return _detach(schedules.create_template(self._admin(), post_code, data))

    def _admin(self):
        from sqlalchemy import select

        from services.core.db import db
        from services.models import Account

        admin = db.session.scalar(select(Account).where(Account.email == "factory-admin@x.example"))
        if admin is None:
            from services.accounts import accounts

            admin = accounts.create_staff(
                email="factory-admin@x.example", password=PASSWORD, role="admin", post_codes=[]
            )
        return admin

    # --- legalizations --------------------------------------------------------------------
    def legalization(self, post, **overrides: Any):
        """A legalization record of ``post``, written directly (numbers given normalised)."""
        from services.core.db import db
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
        from services.applications import applications
        from services.core.db import db
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


def _load_account(account):
    from services.core.db import db
    from services.models import Account

    return db.session.get(Account, account.id)


def _detach(obj):
    from services.core.db import db

    db.session.expunge(obj)
    return obj
