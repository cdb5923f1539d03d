"""Officers of a post: open, list, cancel and allocate its release windows. Every change is
audited; an officer of another post gets 403."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, staff_required
from schemas.releases import ReleaseCreateSchema, ReleaseSchema
from services.releases import allocation, windows

URL_PREFIX = "/staff/posts/<string:code>/releases"
blp = Blueprint("staff_releases", __name__, description="A post's release windows (officers)")


@blp.route("")
class PostReleases(MethodView):
    @staff_required
    @blp.response(200, ReleaseSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, code):
        """The post's releases, newest first"""
        return windows.releases_query(current_account(), code)

    @staff_required
    @idempotent
    @blp.arguments(ReleaseCreateSchema)
    @blp.response(201, ReleaseSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, data, code):
        """Open a release: hold its days' free seats back and publish the seed's commitment"""
        return windows.create_release(current_account(), code, data)


@blp.route("/<string:release_id>")
class PostReleaseById(MethodView):
    @staff_required
    @blp.response(200, ReleaseSchema)
    @blp.errors(401, 403, 404)
    def get(self, code, release_id):
        """One of the post's releases"""
        return windows.staff_release(current_account(), code, release_id)


@blp.route("/<string:release_id>/cancel")
class PostReleaseCancel(MethodView):
    @staff_required
    @blp.response(200, ReleaseSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, code, release_id):
        """Cancel before the draw: the held seats go to the waitlist, then first-come"""
        return windows.cancel_release(current_account(), code, release_id)


@blp.route("/<string:release_id>/allocate")
class PostReleaseAllocate(MethodView):
    @staff_required
    @blp.response(202, ReleaseSchema, description="The allocation is queued")
    @blp.alt_response(200, schema=ReleaseSchema, description="Allocated already: nothing queued")
    @blp.errors(401, 403, 404, 409)
    def post(self, code, release_id):
        """Queue the allocation now that the window has closed (the beat job does it anyway)

        A release allocated already is answered 200 as it is (nothing is queued); a
        cancelled one 409 ``release_cancelled``.
        """
        release, queued = allocation.request_allocation(current_account(), code, release_id)
        return release if queued else (release, 200)
