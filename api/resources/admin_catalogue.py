"""Admin endpoints to manage posts, service types and fees. Every change is audited."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.security import admin_required, current_account
from schemas.catalogue import (
    FeeSchema,
    FeeSetSchema,
    PostCreateSchema,
    PostSchema,
    PostUpdateSchema,
    ServiceTypeCreateSchema,
    ServiceTypeSchema,
    ServiceTypeUpdateSchema,
)
from services.catalogue import catalogue

URL_PREFIX = "/admin"
blp = Blueprint("admin_catalogue", __name__, description="Catalogue management (admins)")


@blp.route("/posts")
class AdminPosts(MethodView):
    @admin_required
    @idempotent
    @blp.arguments(PostCreateSchema)
    @blp.response(201, PostSchema)
    @blp.errors(401, 403, 409)
    def post(self, data):
        """Create a post"""
        return catalogue.create_post(current_account(), data)


@blp.route("/posts/<string:code>")
class AdminPostByCode(MethodView):
    @admin_required
    @blp.arguments(PostUpdateSchema(partial=True))
    @blp.response(200, PostSchema)
    @blp.errors(401, 403, 404, 409)
    def patch(self, data, code):
        """Change a post (deactivate it with is_active=false)"""
        return catalogue.update_post(current_account(), code, data)


@blp.route("/services")
class AdminServices(MethodView):
    @admin_required
    @idempotent
    @blp.arguments(ServiceTypeCreateSchema)
    @blp.response(201, ServiceTypeSchema)
    @blp.errors(401, 403, 409)
    def post(self, data):
        """Create a service type"""
        return catalogue.create_service_type(current_account(), data)


@blp.route("/services/<string:code>")
class AdminServiceByCode(MethodView):
    @admin_required
    @blp.arguments(ServiceTypeUpdateSchema(partial=True))
    @blp.response(200, ServiceTypeSchema)
    @blp.errors(401, 403, 404)
    def patch(self, data, code):
        """Change a service type"""
        return catalogue.update_service_type(current_account(), code, data)


@blp.route("/posts/<string:code>/fees/<string:service_code>")
class AdminFee(MethodView):
    @admin_required
    @blp.arguments(FeeSetSchema)
    @blp.response(200, FeeSchema)
    @blp.errors(401, 403, 404)
    def put(self, data, code, service_code):
        """Set the fee of a service at a post, in the post's currency"""
        return catalogue.set_fee(current_account(), code, service_code, data["amount"])
