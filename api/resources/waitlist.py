"""The waitlist of a post and service, and the offers that hold a freed seat.

Travellers join (when nothing matching is free), see their place, leave; an offer holds a
seat for them until it expires: accept books it at once, decline passes it on. Another
traveller's entry or offer is a 404.
"""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.releases import WaitlistEntrySchema, WaitlistJoinSchema, WaitlistOfferSchema
from services.releases import offers, waitlist

URL_PREFIX = ""
blp = Blueprint("waitlist", __name__, description="The waitlist and its held offers")


@blp.route("/waitlist")
class Waitlist(MethodView):
    @login_required
    @blp.response(200, WaitlistEntrySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self):
        """My places in line, newest first"""
        return waitlist.entries_query(current_account())

    @login_required
    @idempotent
    @blp.arguments(WaitlistJoinSchema)
    @blp.response(201, WaitlistEntrySchema)
    @blp.errors(401, 404, 409, 422)
    def post(self, data):
        """Join the line for a post and service (only when no matching seat is free)"""
        return waitlist.join_waitlist(
            current_account(),
            applicant_id=data["applicant_id"],
            post_code=data["post"],
            service_code=data["service"],
            preferences=data["preferences"],
        )


@blp.route("/waitlist/<int:entry_id>")
class WaitlistEntryById(MethodView):
    @login_required
    @blp.response(200, WaitlistEntrySchema)
    @blp.errors(401, 404)
    def get(self, entry_id):
        """One of my places in line"""
        return waitlist.get_entry(current_account(), entry_id)


@blp.route("/waitlist/<int:entry_id>/leave")
class WaitlistLeave(MethodView):
    @login_required
    @blp.response(200, WaitlistEntrySchema)
    @blp.errors(401, 404)
    def post(self, entry_id):
        """Leave the line (an open offer is declined and passed on)"""
        return offers.leave_waitlist(current_account(), entry_id)


@blp.route("/waitlist-offers")
class WaitlistOffers(MethodView):
    @login_required
    @blp.response(200, WaitlistOfferSchema(many=True))
    @blp.errors(401)
    def get(self):
        """My offers, newest first (at most 50)"""
        return offers.my_offers(current_account())


@blp.route("/waitlist-offers/<int:offer_id>")
class WaitlistOfferById(MethodView):
    @login_required
    @blp.response(200, WaitlistOfferSchema)
    @blp.errors(401, 404)
    def get(self, offer_id):
        """One of my offers"""
        return offers.offer_view(offers.get_offer(current_account(), offer_id))


@blp.route("/waitlist-offers/<int:offer_id>/accept")
class WaitlistOfferAccept(MethodView):
    @login_required
    @blp.response(200, WaitlistOfferSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, offer_id):
        """Accept: the held seat is booked at once (its appointment id is in the answer)"""
        return offers.offer_view(offers.accept_offer(current_account(), offer_id))


@blp.route("/waitlist-offers/<int:offer_id>/decline")
class WaitlistOfferDecline(MethodView):
    @login_required
    @blp.response(200, WaitlistOfferSchema)
    @blp.errors(401, 404, 409)
    def post(self, offer_id):
        """Decline: the seat goes to the next in line"""
        return offers.offer_view(offers.decline_offer(current_account(), offer_id))
