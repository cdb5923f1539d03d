"""Domain layer: models, unit of work, domain errors and one module per area.

Nothing here imports ``api``; views call these functions, which commit once or roll back.
"""
