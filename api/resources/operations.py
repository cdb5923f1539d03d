"""Operator routes (admins): the push dead-letter queue."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.pagination import SelectPage
from api.security import admin_required, current_account
from schemas.notifications import DeliverySchema
from services.notifications import push_delivery

URL_PREFIX = "/admin"
blp = Blueprint("operations", __name__, description="Operations (admins)")


@blp.route("/deliveries/dead")
class DeadLetters(MethodView):
    @admin_required
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403)
    def get(self):
        """Push deliveries that ran out of attempts"""
        return push_delivery.dead_letters_query()


@blp.route("/deliveries/<int:delivery_id>/retry")
class RetryDeadLetter(MethodView):
    @admin_required
    @blp.response(200, DeliverySchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, delivery_id):
        """Send a dead-lettered delivery again"""
        return push_delivery.retry_dead_letter(current_account(), delivery_id)
