"""Devices (FCM tokens), the inbox, and notification preferences of the caller."""

from __future__ import annotations

from flask.views import MethodView

from api.blueprint import Blueprint
from api.pagination import SelectPage
from api.security import current_account, login_required
from schemas.notifications import (
    DeviceCreateSchema,
    DeviceSchema,
    InboxQueryArgsSchema,
    MarkedSchema,
    NotificationSchema,
    NotificationSettingsSchema,
    NotificationSettingsUpdateSchema,
    UnreadCountSchema,
)
from services.notifications import notifications

URL_PREFIX = ""
blp = Blueprint("notifications", __name__, description="Devices, inbox and preferences")


@blp.route("/devices")
class Devices(MethodView):
    @login_required
    @blp.response(200, DeviceSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self):
        """List my registered devices"""
        return notifications.devices_query(current_account())

    @login_required
    @blp.arguments(DeviceCreateSchema)
    @blp.response(201, DeviceSchema)
    @blp.errors(401, 409)
    def post(self, data):
        """Register this phone's FCM token (another account's only with its installation id)"""
        device, _created = notifications.register_device(current_account(), **data)
        return device


@blp.route("/devices/<int:device_id>")
class DeviceById(MethodView):
    @login_required
    @blp.response(204)
    @blp.errors(401, 404)
    def delete(self, device_id):
        """Unregister a device"""
        notifications.unregister_device(current_account(), device_id)


@blp.route("/notifications")
class Inbox(MethodView):
    @login_required
    @blp.arguments(InboxQueryArgsSchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self, args):
        """My inbox, newest first"""
        return notifications.inbox_query(current_account(), unread_only=args["unread_only"])


@blp.route("/notifications/unread-count")
class UnreadCount(MethodView):
    @login_required
    @blp.response(200, UnreadCountSchema)
    @blp.errors(401)
    def get(self):
        """How many inbox items I have not read"""
        return {"unread": notifications.unread_count(current_account())}


@blp.route("/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @login_required
    @blp.response(200, NotificationSchema)
    @blp.errors(401, 404)
    def post(self, notification_id):
        """Mark one inbox item read"""
        return notifications.mark_read(current_account(), notification_id)


@blp.route("/notifications/read-all")
class MarkAllRead(MethodView):
    @login_required
    @blp.response(200, MarkedSchema)
    @blp.errors(401)
    def post(self):
        """Mark my whole inbox read"""
        return {"marked": notifications.mark_all_read(current_account())}


@blp.route("/notification-settings")
class Settings(MethodView):
    @login_required
    @blp.response(200, NotificationSettingsSchema)
    @blp.errors(401)
    def get(self):
        """My push preferences and quiet hours"""
        return notifications.get_settings(current_account())

    @login_required
    @blp.arguments(NotificationSettingsUpdateSchema(partial=True))
    @blp.response(200, NotificationSettingsSchema)
    @blp.errors(401)
    def patch(self, data):
        """Change my push preferences and quiet hours"""
        return notifications.update_settings(current_account(), data)
