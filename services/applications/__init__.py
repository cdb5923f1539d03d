"""Applications and their progress: the state machine officers move them through, numbers,
timelines, expected dates in working days, the public status lookup, ratings, and the
officers' read-only access to an application's documents."""
