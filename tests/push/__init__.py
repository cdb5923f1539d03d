"""Tests of the push package: FCM adapter over real HTTP, log sender, registry."""
