"""Tests of the payments package: Stripe adapter over HTTP, sandbox, currency helpers."""
