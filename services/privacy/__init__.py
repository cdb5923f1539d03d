"""An account's personal data across every domain: deleting it and exporting it.

Accounts is the lowest domain, yet deletion and export need what higher domains hold
(appointments, applications, payments, documents, trips): the orchestration lives here, in
the top layer beside ``services.wiring``, and calls down into each domain.
"""
