"""Passport photos and supporting documents: presigned uploads, checks after upload,
short-lived download links.

Flow: the owner asks for an upload of a kind, content type and size (:func:`request_upload`);
anything outside the rules of the kind is a 422 before any URL is made. The phone POSTs the
file straight to the object store with the returned fields (S3, or our local endpoint with the
same protocol). Then :func:`confirm_upload` checks the object (size, type, encryption from
``head``; the real type from the bytes; for photos format, pixels and shape), stores a clean
copy (images re-encoded without EXIF / GPS) under a key no upload policy covers, deletes the
upload, and records the outcome. Downloads are presigned GETs of a few minutes.

Who may see a document is decided in one place, :func:`get_document_for`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update

from services.accounts.applicants import get_applicant
from services.core import integrations
from services.core.db import after_commit, db, transactional, unit_of_work
from services.core.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from services.core.jobs import enqueue
from services.core.task_names import TaskNames
from services.models import Account, Document
from services.models.types import utcnow
from storage import (
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    PresignedUpload,
    StorageError,
    StorageUnavailable,
)

log = logging.getLogger(__name__)

NOT_FOUND = "document_not_found"


@dataclass(frozen=True)
class KindRule:
    """What may be uploaded as one kind of document."""

    content_types: tuple[str, ...]
    min_size: int
    max_size: int


KIND_RULES: dict[str, KindRule] = {
    # A passport photo of at least 600 x 600 px is never below ~20 KB, even well compressed.
    "photo": KindRule(("image/jpeg", "image/png"), 20 * 1024, 10 * 1024 * 1024),
    "supporting": KindRule(("application/pdf", "image/jpeg", "image/png"), 1, 20 * 1024 * 1024),
}
CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
IMAGE_TYPES = ("image/jpeg", "image/png")
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}

UPLOAD_EXPIRES_IN = 5 * 60  # the phone starts its POST within minutes of asking
DOWNLOAD_EXPIRES_IN = 5 * 60
MAX_DOCUMENTS_PER_APPLICANT = 50
# Uploads land under one prefix and checked copies under another, so that a bucket lifecycle
# rule can expire abandoned uploads ("uploads/", e.g. after a day) without touching documents.
UPLOAD_PREFIX = "uploads"
STORAGE_PREFIX = "documents"


# --- errors ---------------------------------------------------------------------------------


class DocumentRejected(InvalidInput):
    """The upload failed one or more checks; ``checks`` lists each (``code`` and ``detail``)."""

    def __init__(self, checks: list[dict[str, Any]]) -> None:
        super().__init__("document_rejected", count=len(checks))
        self.checks = checks
        # The API replaces these with localised messages; this is the language-free form.
        self.errors = {"checks": checks}


class InvalidDocumentRequest(InvalidInput):
    """A kind / content type / size combination the rules refuse; ``errors`` says which."""

    def __init__(self, code: str, field_name: str, message: str, **params: Any) -> None:
        super().__init__(code, **params)
        self.errors = {"json": {field_name: [message]}}


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewUpload:
    """A document waiting for its file, and where and how the phone must POST it."""

    document: Document
    upload: PresignedUpload


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: datetime


@dataclass
class _Outcome:
    checks: list[dict[str, str]] = field(default_factory=list)
    storage_key: str | None = None
    stored_size: int | None = None
    sha256: str | None = None

    @property
    def accepted(self) -> bool:
        return self.storage_key is not None


# --- access ---------------------------------------------------------------------------------


def get_document_for(account: Account, document_id: int, *, change: bool = False) -> Document:
    """The one ownership rule: the document if ``account`` may see it (or change it, with
    ``change=True``), else ``document_not_found`` (404), never revealing that it exists.

    Only the owning account may act here. Officers read an applicant's accepted documents
    through an application at their post (``services.application_documents``), never
    change them.
    """
    document = db.session.get(Document, document_id)
    if document is None or document.account_id != account.id:
        raise NotFound(NOT_FOUND)
    return document


def documents_query(
    account: Account,
    applicant_id: int,
    *,
    kind: str | None = None,
    status: str | None = None,
) -> Select:
    """An applicant's documents, oldest first (404 for another account's applicant)."""
    applicant = get_applicant(account, applicant_id)
    query = select(Document).where(
        Document.applicant_id == applicant.id, Document.account_id == account.id
    )
    if kind:
        query = query.where(Document.kind == kind)
    if status:
        query = query.where(Document.status == status)
    return query.order_by(Document.id)


def get_document(account: Account, document_id: int) -> Document:
    return get_document_for(account, document_id)


# --- uploads --------------------------------------------------------------------------------


def _store() -> ObjectStore:
    return integrations.object_store()


def _new_key(prefix: str, applicant_id: int) -> str:
    return f"{prefix}/applicants/{applicant_id}/{uuid.uuid4().hex}"


def rule_for(kind: str, content_type: str, size: int) -> KindRule:
    """The rule of ``kind`` if it allows ``content_type`` and ``size``, else a 422."""
    rule = KIND_RULES.get(kind)
    if rule is None:  # the schema refuses unknown kinds already; services may be called directly
        raise InvalidDocumentRequest("validation_error", "kind", "Unknown kind.")
    if content_type not in rule.content_types:
        allowed = ", ".join(rule.content_types)
        raise InvalidDocumentRequest(
            "document_type_not_allowed",
            "content_type",
            f"A {kind} must be one of: {allowed}.",
            kind=kind,
            allowed=allowed,
        )
    if not rule.min_size <= size <= rule.max_size:
        raise InvalidDocumentRequest(
            "document_size_out_of_range",
            "size",
            f"A {kind} must be {rule.min_size} to {rule.max_size} bytes.",
            kind=kind,
            min_size=rule.min_size,
            max_size=rule.max_size,
        )
    return rule


@transactional
def request_upload(account: Account, applicant_id: int, data: dict[str, Any]) -> NewUpload:
    """Record a pending document and sign the POST the phone uploads it with.

    The policy pins the server-chosen key, the exact content type, a size between the kind's
    minimum and the declared size, server-side encryption and an expiry of a few minutes.
    """
    applicant = get_applicant(account, applicant_id)
    kind, content_type, size = data["kind"], data["content_type"], data["size"]
    rule = rule_for(kind, content_type, size)
    count = db.session.scalar(
        select(func.count()).select_from(Document).where(Document.applicant_id == applicant.id)
    )
    if (count or 0) >= MAX_DOCUMENTS_PER_APPLICANT:
        raise Conflict("document_limit_reached", limit=MAX_DOCUMENTS_PER_APPLICANT)
    document = Document(
        account_id=account.id,
        applicant_id=applicant.id,
        kind=kind,
        content_type=content_type,
        declared_size=size,
        upload_key=_new_key(UPLOAD_PREFIX, applicant.id),
        status="pending_upload",
    )
    db.session.add(document)
    db.session.flush()
    try:
        upload = _store().presign_upload(
            key=document.upload_key,
            content_type=content_type,
            min_size=rule.min_size,
            max_size=size,
            expires_in=UPLOAD_EXPIRES_IN,
        )
    except StorageUnavailable as exc:
        raise ServiceUnavailable("storage_unavailable") from exc
    return NewUpload(document=document, upload=upload)


def confirm_upload(account: Account, document_id: int) -> Document:
    """The phone says the upload is done: check it, keep a clean copy, record the outcome.

    Accepted: returns the document. Rejected: the document is marked ``rejected`` with each
    failed check and :class:`DocumentRejected` (422) is raised; the applicant asks for a new
    upload. No object under the upload key: ``upload_missing`` (409), nothing changes, so
    the phone may upload and confirm again. Confirming again gives the same answer.
    """
    # A short read, committed at once: no transaction stays open during the storage I/O.
    with unit_of_work():
        document = get_document_for(account, document_id, change=True)
    if document.status == "pending_upload":
        outcome = _inspect_upload(document)
        document = _record_outcome(account, document.id, outcome)
    if document.status == "rejected":
        raise DocumentRejected(list(document.failed_checks or []))
    return document


def _check(code: str, detail: str) -> dict[str, str]:
    return {"code": code, "detail": detail}


def _inspect_upload(document: Document) -> _Outcome:
    """Every check of the uploaded object; writes the clean copy when all pass."""
    from storage.photo import PhotoError, check_declared_type, inspect_photo, strip_metadata

    store = _store()
    rule = KIND_RULES[document.kind]
    limit = min(document.declared_size, rule.max_size)
    try:
        info = store.head(key=document.upload_key)
    except ObjectNotFound:
        raise Conflict("upload_missing") from None
    except StorageUnavailable as exc:
        raise ServiceUnavailable("storage_unavailable") from exc

    checks: list[dict[str, str]] = []
    if not rule.min_size <= info.size <= limit:
        checks.append(
            _check(
                "size_out_of_range",
                f"{info.size} bytes uploaded; {rule.min_size} to {limit} bytes were allowed",
            )
        )
    stored_type = info.content_type.split(";", 1)[0].strip().lower()
    if stored_type != document.content_type:
        checks.append(
            _check(
                "content_type_mismatch",
                f"stored as {stored_type or 'no type'} but declared {document.content_type}",
            )
        )
    if not info.encrypted:
        checks.append(_check("not_encrypted", "the object is not encrypted at rest"))
    if checks:
        return _Outcome(checks=checks)

    try:
        data = store.read(key=document.upload_key, max_bytes=limit)
    except ObjectTooLarge:
        return _Outcome(checks=[_check("size_out_of_range", f"more than {limit} bytes")])
    except ObjectNotFound:
        raise Conflict("upload_missing") from None
    except StorageUnavailable as exc:
        raise ServiceUnavailable("storage_unavailable") from exc

    problem = check_declared_type(data, document.content_type)
    if problem is not None:
        return _Outcome(checks=[_check(problem.code, problem.message)])
    clean = data
    if document.kind == "photo":
        report = inspect_photo(data)
        if not report.ok:
            return _Outcome(checks=[_check(p.code, p.message) for p in report.problems])
    if document.content_type in IMAGE_TYPES:
        # Photos and photographed documents alike: EXIF carries the place and the device.
        try:
            clean = strip_metadata(data)
        except PhotoError as exc:
            return _Outcome(checks=[_check(exc.code, str(exc))])

    storage_key = _new_key(STORAGE_PREFIX, document.applicant_id)
    try:
        store.write(key=storage_key, data=clean, content_type=document.content_type)
    except StorageUnavailable as exc:
        raise ServiceUnavailable("storage_unavailable") from exc
    return _Outcome(
        storage_key=storage_key,
        stored_size=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
    )


@transactional
def _record_outcome(account: Account, document_id: int, outcome: _Outcome) -> Document:
    """Record the outcome unless another confirmation of the same document got there first."""
    values: dict[str, Any] = {"confirmed_at": utcnow()}
    if outcome.accepted:
        values.update(
            status="accepted",
            storage_key=outcome.storage_key,
            stored_size=outcome.stored_size,
            sha256=outcome.sha256,
            failed_checks=None,
        )
    else:
        values.update(status="rejected", failed_checks=outcome.checks)
    result = db.session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == "pending_upload")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1
    if not won and outcome.storage_key:
        # A concurrent confirmation recorded its own copy (or the document was deleted).
        discard_objects([outcome.storage_key])
    document = db.session.execute(
        select(Document).where(Document.id == document_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if document is None or document.account_id != account.id:
        raise NotFound(NOT_FOUND)
    if won:
        # Accepted: the clean copy is the document now. Rejected: keep nothing we refused.
        upload_key = document.upload_key
        after_commit(lambda: discard_objects([upload_key]))
    return document


# --- downloads ------------------------------------------------------------------------------


def download_link(account: Account, document_id: int) -> DownloadLink:
    """A presigned GET of the accepted copy, valid a few minutes, as an attachment."""
    return link_to(get_document_for(account, document_id))


def link_to(document: Document) -> DownloadLink:
    """The download link of a document the caller has been allowed to read."""
    if document.status != "accepted" or not document.storage_key:
        raise Conflict("document_not_accepted")
    expires_at = (utcnow() + timedelta(seconds=DOWNLOAD_EXPIRES_IN)).replace(microsecond=0)
    filename = f"{document.kind}-{document.id}{EXTENSIONS.get(document.content_type, '')}"
    try:
        url = _store().presign_download(
            key=document.storage_key, expires_in=DOWNLOAD_EXPIRES_IN, filename=filename
        )
    except StorageUnavailable as exc:
        raise ServiceUnavailable("storage_unavailable") from exc
    return DownloadLink(url=url, expires_at=expires_at)


# --- deletion -------------------------------------------------------------------------------


def _keys_of(documents: Iterable[Document]) -> list[str]:
    keys: list[str] = []
    for document in documents:
        keys.append(document.upload_key)
        if document.storage_key:
            keys.append(document.storage_key)
    return keys


@transactional
def delete_document(account: Account, document_id: int) -> None:
    """Delete the document; its objects are deleted once the deletion has committed."""
    document = get_document_for(account, document_id, change=True)
    keys = _keys_of([document])
    db.session.delete(document)
    after_commit(lambda: discard_objects(keys))


def forget_applicant_documents(applicant_id: int) -> None:
    """Inside the unit of work deleting an applicant: delete their documents (as the
    foreign key's cascade would), and their stored objects once that has committed."""
    keys = _keys_of(
        db.session.scalars(select(Document).where(Document.applicant_id == applicant_id))
    )
    db.session.execute(
        delete(Document)
        .where(Document.applicant_id == applicant_id)
        .execution_options(synchronize_session=False)
    )
    if keys:
        after_commit(lambda: discard_objects(keys))


def discard_objects(keys: list[str]) -> None:
    """Queue the deletion of objects (retried by the worker); never fails the caller.

    Unlike the outboxes, nothing sweeps stored objects: when the broker is down the keys are
    only in this log line (an operator deletes them by hand). The rows are gone already, so
    the objects can no longer be reached through the API either way.
    """
    try:
        enqueue(TaskNames.DELETE_STORED_OBJECTS, list(keys))
    except Exception:
        log.error("could not queue the deletion of stored objects, left orphaned: %s", keys)


def delete_objects(keys: list[str]) -> list[str]:
    """Delete each object; return the keys that could not be deleted (to retry)."""
    store = _store()
    failed = []
    for key in keys:
        try:
            store.delete(key=key)
        except StorageError:
            failed.append(key)
    return failed
