"""Domain layer: one package per domain over ``core`` and ``models``.

Nothing here imports ``api``; views call these functions, which commit once or roll back.
Domains call down only (the order is in pyproject.toml's import contracts); a lower domain
that must tell a higher one something sends a signal (``core.signals``), and work is queued
by task name (``core.task_names``), so no service imports a task module.
"""
