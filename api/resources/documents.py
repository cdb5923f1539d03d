"""Passport photos and supporting documents of my applicants.

Ask for an upload (a presigned POST straight to object storage), POST the file there, confirm;
then list, download (a link of a few minutes) or delete. Another account's applicant or
document is a 404 on every route.
"""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.errors import error_response
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, login_required
from api.security_headers import never_cached
from schemas.common import current_language
from schemas.documents import (
    DocumentCreateSchema,
    DocumentQueryArgsSchema,
    DocumentSchema,
    DocumentUploadSchema,
    DownloadLinkSchema,
    StaffDownloadSchema,
)
from services.applications import documents as application_documents
from services.documents import documents
from services.documents.checks import describe_checks

URL_PREFIX = ""
blp = Blueprint(
    "documents", __name__, description="Passport photos and supporting documents (uploads)"
)


@blp.errorhandler(documents.DocumentRejected)
def _rejected(exc: documents.DocumentRejected):
    # Each failed check with its stable code, a sentence in the request's language and the
    # check's precise (English) finding.
    checks = describe_checks(exc.checks, current_language())
    return error_response(422, exc.code, exc.params, {"checks": checks})


never_cached(blp, personal=True)


@blp.route("/applicants/<int:applicant_id>/documents")
class ApplicantDocuments(MethodView):
    @login_required
    @blp.arguments(DocumentQueryArgsSchema, location="query")
    @blp.response(200, DocumentSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 404)
    def get(self, args, applicant_id):
        """The documents of one of my applicants, oldest first"""
        return documents.documents_query(current_account(), applicant_id, **args)

    @login_required
    @idempotent
    @blp.arguments(DocumentCreateSchema)
    @blp.response(201, DocumentUploadSchema)
    @blp.errors(401, 404, 409, 503)
    def post(self, data, applicant_id):
        """Ask to upload a photo or a supporting document: answers a presigned POST

        POST the file to `upload.url` as multipart/form-data with every field of
        `upload.fields`, the file last (field `file`), before `upload.expires_at`; then
        confirm the document. A kind, type or size outside the rules is a 422 and no upload
        is prepared.
        """
        return documents.request_upload(current_account(), applicant_id, data)


@blp.route("/documents/<int:document_id>")
class DocumentById(MethodView):
    @login_required
    @blp.response(200, DocumentSchema)
    @blp.errors(401, 404)
    def get(self, document_id):
        """One of my documents"""
        return documents.get_document(current_account(), document_id)

    @login_required
    @blp.response(204)
    @blp.errors(401, 404)
    def delete(self, document_id):
        """Delete one of my documents and its file"""
        documents.delete_document(current_account(), document_id)


@blp.route("/documents/<int:document_id>/confirm")
class DocumentConfirm(MethodView):
    @login_required
    @blp.response(200, DocumentSchema)
    @blp.errors(401, 404, 409, 422, 503)
    def post(self, document_id):
        """Say the upload is done: the file is checked, then accepted or rejected

        Accepted: 200 with the document. Rejected: 422 `document_rejected` with every failed
        check in `errors.checks` (ask for a new upload). No file uploaded yet: 409
        `upload_missing`. Confirming again gives the same answer.
        """
        return documents.confirm_upload(current_account(), document_id)


@blp.route("/documents/<int:document_id>/download")
class DocumentDownload(MethodView):
    @login_required
    @blp.response(200, DownloadLinkSchema)
    @blp.errors(401, 404, 409, 503)
    def get(self, document_id):
        """A link to download an accepted document, valid a few minutes"""
        return documents.download_link(current_account(), document_id)


@blp.route("/documents/<int:document_id>/staff-downloads")
class DocumentStaffDownloads(MethodView):
    @login_required
    @blp.response(200, StaffDownloadSchema(many=True))
    @blp.errors(401, 404)
    def get(self, document_id):
        """When, and from which post, consular staff downloaded one of my documents

        Officers read a document only through an application at their post; each link they
        take is listed here, newest first (at most 100).
        """
        return application_documents.staff_downloads(current_account(), document_id)
