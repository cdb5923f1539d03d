"""Officers' legalization records: record one, import a CSV file, list, revoke, QR links.

Every route is for staff, and scoped: an officer acts only on the records of a post they
belong to (403 otherwise); admins on every post.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from api.blueprint import Blueprint
from api.errors import error_response
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, staff_required
from api.security_headers import never_cached
from schemas.legalizations import (
    LegalizationCreateSchema,
    LegalizationImportArgsSchema,
    LegalizationImportResultSchema,
    LegalizationQueryArgsSchema,
    LegalizationRevokeSchema,
    LegalizationSchema,
    VerificationLinkSchema,
)
from services.legalizations import csv_import as legalization_import
from services.legalizations import legalizations
from services.legalizations import links as legalization_links

URL_PREFIX = "/staff"
blp = Blueprint(
    "staff_legalizations", __name__, description="Legalization records (officers of a post)"
)

CSV_COLUMNS = (
    ", ".join(legalization_import.REQUIRED_COLUMNS)
    + " (optional: "
    + ", ".join(
        sorted(legalization_import.KNOWN_COLUMNS - set(legalization_import.REQUIRED_COLUMNS))
    )
    + ")"
)
IMPORT_BODY_DOC = {
    "required": True,
    "description": (
        "A UTF-8 CSV file (a BOM is accepted) with a header row naming the columns: "
        + CSV_COLUMNS
        + ". Dates are YYYY-MM-DD. Send it as the body (text/csv) or as the field `file` "
        "of a multipart form."
    ),
    "content": {
        "text/csv": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


never_cached(blp, personal=False)


@blp.route("/legalizations")
class StaffLegalizations(MethodView):
    @staff_required
    @idempotent
    @blp.arguments(LegalizationCreateSchema)
    @blp.response(201, LegalizationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data):
        """Record a legalization at a post I belong to"""
        return legalizations.create_legalization(current_account(), data)


@blp.route("/posts/<string:code>/legalizations")
class PostLegalizations(MethodView):
    @staff_required
    @blp.arguments(LegalizationQueryArgsSchema, location="query")
    @blp.response(200, LegalizationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, code):
        """The legalizations recorded at a post, newest first"""
        return legalizations.legalizations_query(current_account(), code, **args)


@blp.route("/posts/<string:code>/legalizations/import")
class PostLegalizationImport(MethodView):
    accepts_raw_body = True

    @staff_required
    @idempotent
    @blp.arguments(LegalizationImportArgsSchema, location="query")
    @blp.doc(requestBody=IMPORT_BODY_DOC)
    @blp.response(200, LegalizationImportResultSchema)
    @blp.errors(401, 403, 404, 413, 415)
    def post(self, args, code):
        """Import a post's legalizations from a CSV file: all rows or none"""
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            data = upload.read() if upload is not None else b""
        elif request.mimetype in ("text/csv", "application/csv"):
            data = request.get_data()
        else:
            return error_response(415, "import_media_type")
        return legalization_import.import_legalizations(
            current_account(), code, data, dry_run=args["dry_run"]
        )


@blp.route("/legalizations/<int:legalization_id>")
class StaffLegalizationById(MethodView):
    @staff_required
    @blp.response(200, LegalizationSchema)
    @blp.errors(401, 403, 404)
    def get(self, legalization_id):
        """One legalization of a post I belong to, with its internal fields"""
        return legalizations.get_legalization(current_account(), legalization_id)


@blp.route("/legalizations/<int:legalization_id>/revoke")
class StaffLegalizationRevoke(MethodView):
    @staff_required
    @blp.arguments(LegalizationRevokeSchema)
    @blp.response(200, LegalizationSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, legalization_id):
        """Revoke a legalization: it stays, public checks show it revoked with the date"""
        return legalizations.revoke_legalization(current_account(), legalization_id, data["reason"])


@blp.route("/legalizations/<int:legalization_id>/verification-link")
class StaffLegalizationLink(MethodView):
    @staff_required
    @blp.response(200, VerificationLinkSchema)
    @blp.errors(401, 403, 404)
    def get(self, legalization_id):
        """The signed verification link of a legalization, for its sticker's QR code"""
        return legalization_links.verification_link(current_account(), legalization_id)


@blp.route("/legalizations/<int:legalization_id>/qr.svg")
class StaffLegalizationQr(MethodView):
    @staff_required
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="image/svg+xml",
        description="The QR code of the verification link",
    )
    @blp.errors(401, 403, 404)
    def get(self, legalization_id):
        """The QR code of a legalization's verification link, as SVG"""
        svg = legalization_links.verification_qr_svg(current_account(), legalization_id)
        return Response(svg, mimetype="image/svg+xml")
