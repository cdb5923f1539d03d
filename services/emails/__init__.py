"""E-mail: the outbox of messages to send, their templates, and the e-mail channel of
notifications. Below accounts, which sends the most of them (verification, reset)."""
