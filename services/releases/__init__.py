"""Fair release of scarce slots: release windows, requests, the verifiable lottery that
allocates them, and the waitlist that offers freed seats with a hold."""
