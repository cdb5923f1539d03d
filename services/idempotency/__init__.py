"""Stored answers of POSTs made with an ``Idempotency-Key``, and their periodic purge."""
