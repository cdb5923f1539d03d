"""The people the caller applies for. Another account's applicant is a 404."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.applicants import ApplicantCreateSchema, ApplicantSchema, ApplicantUpdateSchema
from services.accounts import applicants as applicant_service

URL_PREFIX = "/applicants"
blp = Blueprint("applicants", __name__, description="People an account applies for")


@blp.route("")
class Applicants(MethodView):
    @login_required
    @blp.response(200, ApplicantSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self):
        """List my applicants"""
        return applicant_service.applicants_query(current_account())

    @login_required
    @idempotent
    @blp.arguments(ApplicantCreateSchema)
    @blp.response(201, ApplicantSchema)
    @blp.errors(401, 409)
    def post(self, data):
        """Add an applicant (myself, a child, another person I apply for)"""
        return applicant_service.create_applicant(current_account(), data)


@blp.route("/<int:applicant_id>")
class ApplicantById(MethodView):
    @login_required
    @blp.response(200, ApplicantSchema)
    @blp.errors(401, 404)
    def get(self, applicant_id):
        """One of my applicants"""
        return applicant_service.get_applicant(current_account(), applicant_id)

    @login_required
    @blp.arguments(ApplicantUpdateSchema(partial=True))
    @blp.response(200, ApplicantSchema)
    @blp.errors(401, 404, 409)
    def patch(self, data, applicant_id):
        """Change one of my applicants"""
        return applicant_service.update_applicant(current_account(), applicant_id, data)

    @login_required
    @blp.response(204)
    @blp.errors(401, 404, 409)
    def delete(self, applicant_id):
        """Remove one of my applicants, with their documents and past appointments

        While they have an appointment to come: 409 `applicant_has_appointments` (cancel it
        first). Applications already opened stay, as records.
        """
        applicant_service.delete_applicant(current_account(), applicant_id)
