"""Tests of the storage package: S3 adapter on moto, local store, photo checks."""
