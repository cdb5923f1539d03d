"""Trips a traveller registers and countries they follow (owner only; others get 404)."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.idempotency import idempotent
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.trips import FollowSchema, TripCreateSchema, TripSchema, TripUpdateSchema
from services.alerts import trips

URL_PREFIX = ""
blp = Blueprint(
    "trips",
    __name__,
    description="Trips and followed countries: safety alerts for where you are",
)


@blp.route("/trips")
class Trips(MethodView):
    @login_required
    @blp.response(200, TripSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self):
        """List my trips, latest first"""
        return trips.trips_query(current_account())

    @login_required
    @idempotent
    @blp.arguments(TripCreateSchema)
    @blp.response(201, TripSchema)
    @blp.errors(401, 409)
    def post(self, data):
        """Register a trip: alerts for that country reach my devices while it lasts"""
        return trips.create_trip(current_account(), data)


@blp.route("/trips/<int:trip_id>")
class TripById(MethodView):
    @login_required
    @blp.response(200, TripSchema)
    @blp.errors(401, 404)
    def get(self, trip_id):
        """One of my trips"""
        return trips.get_trip(current_account(), trip_id)

    @login_required
    @blp.arguments(TripUpdateSchema(partial=True))
    @blp.response(200, TripSchema)
    @blp.errors(401, 404, 422)
    def patch(self, data, trip_id):
        """Change one of my trips"""
        return trips.update_trip(current_account(), trip_id, data)

    @login_required
    @blp.response(204)
    @blp.errors(401, 404)
    def delete(self, trip_id):
        """Cancel one of my trips"""
        trips.delete_trip(current_account(), trip_id)


@blp.route("/follows")
class Follows(MethodView):
    @login_required
    @blp.response(200, FollowSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self):
        """Countries I follow"""
        return trips.follows_query(current_account())

    @login_required
    @idempotent
    @blp.arguments(FollowSchema)
    @blp.response(201, FollowSchema)
    @blp.errors(401, 409)
    def post(self, data):
        """Follow a country: its alerts reach my devices without a trip"""
        return trips.follow_country(current_account(), data["country"])


@blp.route("/follows/<string:country>")
class FollowByCountry(MethodView):
    @login_required
    @blp.response(204)
    @blp.errors(401, 404)
    def delete(self, country):
        """Stop following a country"""
        trips.unfollow_country(current_account(), country)
