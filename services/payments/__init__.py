"""Mobile payments of application fees: payment sheets, webhooks as the truth, refunds.

Three rules shape this package:

1. **No database transaction is held open across a gateway (network) call.** Every public
   operation is a sequence: a short transaction that decides and writes what is about to
   be asked of the gateway (a ``creating`` payment, a ``pending`` refund), commit; the
   gateway call with an idempotency key derived from that row (``payment:{id}:{nonce}``,
   ``refund:{id}:{nonce}``, ``auto-refund:{payment id}:{nonce}``, ``cancel:payment:...``,
   ``customer:{account id}:{nonce}``); a second short transaction that stores the answer.
   A crash or an outage in between leaves a row that the next request, or the
   reconciliation job, resumes with the same key, so nothing is ever created or refunded
   twice. The nonce is stored on the row: a key never changes for its row, yet cannot
   meet the key of an earlier row that had the same id (a restored or reset database).
2. **Webhooks are the truth, and they arrive in any order and more than once.** A
   ``payment_intent.*`` event is only a hint: the intent is re-read from the gateway and
   *its* status applied (``apply_intent``, shared with reconciliation). The event id is
   stored under a unique constraint in the same transaction as the effect; a duplicate
   does nothing. Payment states only move forward (``OPEN_RANK``; the final states never
   go back), so a late ``processing`` or ``payment_failed`` after ``succeeded`` is a no-op.
3. **Never "paid" without the expected money, never money without a purpose.** An amount
   or currency that differs from the payment's marks it ``needs_review`` (audited), never
   ``succeeded``. Money arriving for a withdrawn or rejected application, or for a payment
   already cancelled, is refunded automatically and the citizen is told.

Fee changes: while an intent is still unpaid (``requires_payment``), a new request after
the post's fee changed *cancels that intent and opens a new payment for the new amount*; an
intent already ``processing`` keeps its amount (the money is on its way). The same happens
when the payment sheet's ephemeral key has expired (``PAYMENT_SHEET_MAX_AGE_MINUTES``, 55 by
default, below Stripe's one hour) and the customer has not started paying.

Appointment payments ("where a post takes payment at booking") are not built: a payment
references an application. A payment for an appointment would reference it instead, and
everything below would apply unchanged to the second kind.

Modules: ``checkout`` (the payment sheet), ``intents`` (the gateway's truth applied),
``refunds``, ``webhooks``, ``reconcile`` (the periodic catch-up), ``queries`` (reading,
receipts), ``sandbox`` (development only), ``common`` (statuses, errors, helpers), ``texts``
(notification texts), ``tasks`` (Celery).
"""
