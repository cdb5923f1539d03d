"""Everything an account holds, gathered for one JSON document (``GET /me/export``).

Each domain's own query gives the rows (so the export shows what the app shows); the API
serialises them with each resource's schema. Documents come with the same short-lived
download link as ``documents/{id}/download`` (a few minutes), or none when the document was
never accepted. Reading only: nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from services.accounts.applicants import applicants_query
from services.accounts.sessions import list_sessions
from services.alerts.trips import follows_query, trips_query
from services.applications.applications import owner_query as applications_query
from services.appointments.appointments import appointments_query
from services.core.db import db
from services.core.errors import DomainError
from services.documents.documents import link_to
from services.models import Account, AlertResponse, Device, Document, Notification
from services.models.types import utcnow
from services.notifications.notifications import get_settings
from services.payments.queries import owner_query as payments_query


@dataclass
class ExportedDocument:
    document: Document
    download_url: str | None
    download_expires_at: datetime | None


@dataclass
class DataExport:
    generated_at: datetime
    account: Account
    notification_settings: Any
    sessions: list = field(default_factory=list)
    applicants: list = field(default_factory=list)
    appointments: list = field(default_factory=list)
    applications: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    documents: list[ExportedDocument] = field(default_factory=list)
    devices: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    trips: list = field(default_factory=list)
    follows: list = field(default_factory=list)
    alert_responses: list = field(default_factory=list)


def _documents(account: Account) -> list[ExportedDocument]:
    exported = []
    for document in db.session.scalars(
        select(Document).where(Document.account_id == account.id).order_by(Document.id)
    ):
        url = expires = None
        if document.status == "accepted" and document.storage_key:
            try:
                link = link_to(document)
                url, expires = link.url, link.expires_at
            except DomainError:
                pass  # storage unreachable: the list still says the document exists
        exported.append(ExportedDocument(document, url, expires))
    return exported


def export_account(account: Account) -> DataExport:
    rows = db.session.scalars
    return DataExport(
        generated_at=utcnow(),
        account=account,
        notification_settings=get_settings(account),
        sessions=list(list_sessions(account)),
        applicants=list(rows(applicants_query(account))),
        appointments=list(rows(appointments_query(account))),
        applications=list(rows(applications_query(account))),
        payments=list(rows(payments_query(account))),
        documents=_documents(account),
        devices=list(
            rows(select(Device).where(Device.account_id == account.id).order_by(Device.id))
        ),
        notifications=list(
            rows(
                select(Notification)
                .where(Notification.account_id == account.id)
                .order_by(Notification.id)
            )
        ),
        trips=list(rows(trips_query(account))),
        follows=list(rows(follows_query(account))),
        alert_responses=list(
            rows(
                select(AlertResponse)
                .where(AlertResponse.account_id == account.id)
                .order_by(AlertResponse.id)
            )
        ),
    )
