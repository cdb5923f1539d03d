"""The release and waitlist tests' fixtures (``release_support`` holds the helpers)."""

from tests.services.releases.release_support import frozen, hall  # noqa: F401
