"""Release windows for scarce slots (public reads) and travellers' requests in them.

Public: a release's rules, window, commitment and counts; after the draw its seed, the
published record and a recomputation. Travellers submit (``Idempotency-Key``), change and
withdraw a request while the window is open; another traveller's request is a 404.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from api.blueprint import Blueprint
from api.extensions import client_ip, limiter
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.releases import (
    PublicationSchema,
    ReleaseCheckSchema,
    ReleaseRequestCreateSchema,
    ReleaseRequestQueryArgsSchema,
    ReleaseRequestSchema,
    ReleaseRequestUpdateSchema,
    ReleaseSchema,
)
from services.releases import requests as request_service
from services.releases import windows

URL_PREFIX = ""
blp = Blueprint("releases", __name__, description="Release windows, the lottery and requests")


@blp.route("/releases/<string:release_id>")
class ReleaseById(MethodView):
    @blp.response(200, ReleaseSchema)
    @blp.errors(404)
    def get(self, release_id):
        """A release: its days, window, rules, seed commitment and counts (public)"""
        return windows.public_release(release_id)


@blp.route("/releases/<string:release_id>/result")
class ReleaseResult(MethodView):
    @blp.response(200, PublicationSchema)
    @blp.errors(404, 409)
    def get(self, release_id):
        """The published draw: seed, commitment, requests (public ids), seats, order (public)"""
        return windows.publication_of(release_id)


@blp.route("/releases/<string:release_id>/check")
class ReleaseCheck(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["RATELIMIT_RELEASE_CHECK_PER_IP"],
            key_func=client_ip,
            scope="release-check",
        )
    ]

    @blp.response(200, ReleaseCheckSchema)
    @blp.errors(404, 409, 429)
    def get(self, release_id):
        """Recompute the draw from the revealed seed and compare it with the stored result"""
        return windows.check_release(release_id)


@blp.route("/releases/<string:release_id>/requests")
class ReleaseRequests(MethodView):
    @login_required
    @idempotent
    @blp.arguments(ReleaseRequestCreateSchema)
    @blp.response(201, ReleaseRequestSchema)
    @blp.errors(401, 404, 409, 422)
    def post(self, data, release_id):
        """Ask for a seat for one of my applicants, with one to three ranked preferences"""
        return request_service.request_view(
            request_service.submit_request(
                current_account(),
                release_id,
                applicant_id=data["applicant_id"],
                preferences=data["preferences"],
            )
        )


@blp.route("/release-requests")
class MyReleaseRequests(MethodView):
    @login_required
    @blp.arguments(ReleaseRequestQueryArgsSchema, location="query")
    @blp.response(200, ReleaseRequestSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self, args):
        """My requests, newest first"""
        return request_service.requests_query(
            current_account(), release_public_id=args.get("release")
        )


@blp.route("/release-requests/<int:request_id>")
class ReleaseRequestById(MethodView):
    @login_required
    @blp.response(200, ReleaseRequestSchema)
    @blp.errors(401, 404)
    def get(self, request_id):
        """One of my requests, with its place and outcome after the draw"""
        return request_service.request_view(
            request_service.get_request(current_account(), request_id)
        )

    @login_required
    @blp.arguments(ReleaseRequestUpdateSchema)
    @blp.response(200, ReleaseRequestSchema)
    @blp.errors(401, 404, 409, 422)
    def patch(self, data, request_id):
        """Change my request's preferences while the window is open"""
        return request_service.request_view(
            request_service.change_request(
                current_account(), request_id, preferences=data["preferences"]
            )
        )


@blp.route("/release-requests/<int:request_id>/withdraw")
class ReleaseRequestWithdraw(MethodView):
    @login_required
    @blp.response(200, ReleaseRequestSchema)
    @blp.errors(401, 404, 409)
    def post(self, request_id):
        """Withdraw my request while the window is open"""
        return request_service.request_view(
            request_service.withdraw_request(current_account(), request_id)
        )
