"""Open formats, staged until the domain packages exist (issue 22, phase 1).

Pure code with no Flask or database in it: safety alerts as OASIS CAP 1.2 messages and an
Atom feed of them (``cap``, ``atom``), and compact signed payloads for the QR codes of the
legalization sticker and the appointment pass that anyone can verify offline with our
published keys (``seal``, ``seal_keys``, ``sealed_documents``, ``verify_cli``). The lead
moves these modules into ``services/alerts`` and a signing module and wires them into routes.
"""
