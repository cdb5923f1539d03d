"""Appointments: schedule templates and closures, slots and availability, booking with the
seat taken in the database, reschedule and cancel, booking codes and QR passes, calendar
files, check-in at the counter, no-shows, reminders."""
