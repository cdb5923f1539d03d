"""Posts (embassies, consulates, offices), the services they offer with fees, their
calendars (full-day closures, working days) and their staff's view of the audit log."""
