"""Staff routes scoped to a post: officers see only the posts they belong to."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.pagination import SelectPage
from api.security import current_account, staff_required
from schemas.staff import AuditEntrySchema
from services.catalogue import post_staff as staff

URL_PREFIX = "/staff"
blp = Blueprint("staff", __name__, description="Staff views of a post")


@blp.route("/posts/<string:code>/audit-log")
class PostAuditLog(MethodView):
    @staff_required
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, code):
        """The audit log of a post (officers of that post and admins)"""
        return staff.post_audit_query(current_account(), code)
