"""The documents of an application, as the officers of its post see them.

A traveller uploads photos and supporting documents for an applicant; when an application
for that applicant is opened at a post, the post's officers (and admins) may list the
applicant's *accepted* documents and download them through the application, read-only.
Every download is audited: the officer, the application and the document; the owner can
see when and from which post (not which officer) each of their documents was downloaded.
Nothing here changes a document; the owner alone uploads and deletes
(``services.documents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, false, select

from services.accounts.audit import record_audit
from services.applications.applications import get_for_staff
from services.core.db import db, transactional
from services.core.errors import NotFound
from services.documents.documents import NOT_FOUND, DownloadLink, get_document_for, link_to
from services.models import Account, Application, AuditLog, Document, Post

DOWNLOAD_ACTION = "document.download"
MAX_ACCESSES_SHOWN = 100


def _of_application(application: Application):
    """The condition for the documents of the application's applicant (and owner); none
    when the applicant was deleted or the application was opened without one."""
    if application.applicant_id is None or application.account_id is None:
        return false()
    return (Document.applicant_id == application.applicant_id) & (
        Document.account_id == application.account_id
    )


def documents_query(actor: Account, application_id: int, *, kind: str | None = None) -> Select:
    """The accepted documents of the application's applicant, oldest first (404 for no
    such application, 403 for staff of another post)."""
    application = get_for_staff(actor, application_id)
    query = select(Document).where(_of_application(application), Document.status == "accepted")
    if kind:
        query = query.where(Document.kind == kind)
    return query.order_by(Document.id)


@transactional
def download_link(actor: Account, application_id: int, document_id: int) -> DownloadLink:
    """A short-lived link to one of the application's documents, recorded in the audit log."""
    application = get_for_staff(actor, application_id)
    document = db.session.scalar(
        select(Document).where(
            Document.id == document_id,
            _of_application(application),
            Document.status == "accepted",  # staff see accepted documents only
        )
    )
    if document is None:
        raise NotFound(NOT_FOUND)
    link = link_to(document)
    record_audit(
        actor,
        DOWNLOAD_ACTION,
        "document",
        document.id,
        post_id=application.post_id,
        details={"application": application.number, "kind": document.kind},
    )
    return link


@dataclass(frozen=True)
class StaffDownload:
    post: str | None  # the code of the application's post
    at: datetime


def staff_downloads(owner: Account, document_id: int) -> list[StaffDownload]:
    """When, and from which post, officers took a link to one of my documents (newest
    first, at most ``MAX_ACCESSES_SHOWN``); 404 for another account's document."""
    document = get_document_for(owner, document_id)
    rows = db.session.execute(
        select(AuditLog.at, Post.code)
        .outerjoin(Post, Post.id == AuditLog.post_id)
        .where(
            AuditLog.target_type == "document",
            AuditLog.target_id == str(document.id),
            AuditLog.action == DOWNLOAD_ACTION,
            # An id can come back after a deletion (SQLite): only this document's rows.
            AuditLog.at >= document.created_at,
        )
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(MAX_ACCESSES_SHOWN)
    )
    return [StaffDownload(post=code, at=at) for at, code in rows]
