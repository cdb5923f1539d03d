"""Accounts and who may do what: registration, log-in sessions and tokens, passwords, the
people a citizen applies for (applicants), staff roles scoped to posts (``access``) and the
audit log every staff action writes (``audit``)."""
