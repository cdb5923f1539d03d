"""Safety alerts and travellers abroad: the draft / approval / publication workflow, pushes
by FCM topic per country and language with the inbox fan-out, trips and country follows,
topic subscriptions kept in step with devices, and "I am safe / I need help" answers."""
