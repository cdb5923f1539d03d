"""The inbox and push: devices and their FCM tokens, ``notify`` (an inbox item plus one
outbox delivery per device, written in the caller's transaction), the delivery worker
and its sweep, notification templates and settings."""
