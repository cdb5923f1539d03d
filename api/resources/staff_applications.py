"""Officers' side of applications: open, move through states, due lists, metrics, and the
applicant's documents (read-only, every download audited)."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, staff_required
from schemas.applications import (
    FromAppointmentSchema,
    PostMetricsSchema,
    StaffApplicationQueryArgsSchema,
    StaffApplicationSchema,
    StaffRatingQueryArgsSchema,
    StaffRatingSchema,
    TransitionSchema,
    WalkInCreateSchema,
)
from schemas.documents import DocumentSchema, DownloadLinkSchema, StaffDocumentQueryArgsSchema
from services.applications import applications
from services.applications import documents as application_documents
from services.applications import public as application_public
from services.applications import ratings as application_ratings

URL_PREFIX = "/staff"
blp = Blueprint("staff_applications", __name__, description="Applications (officers)")


@blp.route("/posts/<string:code>/applications")
class PostApplications(MethodView):
    @staff_required
    @blp.arguments(StaffApplicationQueryArgsSchema, location="query")
    @blp.response(200, StaffApplicationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, code):
        """A post's applications; due=overdue or due=due_soon for the officers' worklist"""
        return applications.staff_query(current_account(), code, **args)


@blp.route("/posts/<string:code>/applications/walk-in")
class WalkIn(MethodView):
    @staff_required
    @idempotent
    @blp.arguments(WalkInCreateSchema)
    @blp.response(201, StaffApplicationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, code):
        """Open an application for a walk-in (where the post allows it)"""
        return applications.open_walk_in(current_account(), code, data)


@blp.route("/posts/<string:code>/appointments/<int:appointment_id>/application")
class FromAppointment(MethodView):
    @staff_required
    @idempotent
    @blp.arguments(FromAppointmentSchema)
    @blp.response(201, StaffApplicationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, code, appointment_id):
        """Open the application of someone checked in for their appointment"""
        return applications.open_from_appointment(current_account(), code, appointment_id, data)


@blp.route("/posts/<string:code>/application-metrics")
class Metrics(MethodView):
    @staff_required
    @blp.response(200, PostMetricsSchema)
    @blp.errors(401, 403, 404)
    def get(self, code):
        """Ratings, median processing time, share on time, open applications by state"""
        return application_public.post_metrics(current_account(), code)


@blp.route("/posts/<string:code>/ratings")
class PostRatings(MethodView):
    @staff_required
    @blp.arguments(StaffRatingQueryArgsSchema, location="query")
    @blp.response(200, StaffRatingSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, code):
        """What travellers wrote about the post's service, newest first

        Each rating names its application (as the post sees it), never the account.
        """
        return application_ratings.post_ratings_query(current_account(), code, **args)


@blp.route("/applications/<int:application_id>")
class StaffApplication(MethodView):
    @staff_required
    @blp.response(200, StaffApplicationSchema)
    @blp.errors(401, 403, 404)
    def get(self, application_id):
        """One application with every event, internal notes included"""
        return applications.get_for_staff(current_account(), application_id)


@blp.route("/applications/<int:application_id>/transitions")
class Transition(MethodView):
    @staff_required
    @blp.arguments(TransitionSchema)
    @blp.response(200, StaffApplicationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, application_id):
        """Move an application to its next state (409 names the allowed ones)"""
        to = data.pop("to")
        return applications.transition(current_account(), application_id, to, **data)


@blp.route("/applications/<int:application_id>/documents")
class ApplicationDocuments(MethodView):
    @staff_required
    @blp.arguments(StaffDocumentQueryArgsSchema, location="query")
    @blp.response(200, DocumentSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, application_id):
        """The applicant's accepted photos and supporting documents, oldest first"""
        return application_documents.documents_query(current_account(), application_id, **args)


@blp.route("/applications/<int:application_id>/documents/<int:document_id>/download")
class ApplicationDocumentDownload(MethodView):
    @staff_required
    @blp.response(200, DownloadLinkSchema)
    @blp.errors(401, 403, 404, 503)
    def get(self, application_id, document_id):
        """A link to one of the applicant's accepted documents, valid a few minutes

        Each link given is recorded in the audit log (officer, application, document).
        """
        return application_documents.download_link(current_account(), application_id, document_id)
