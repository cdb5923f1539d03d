"""gunicorn's settings for the web workers (read from the working directory, or with
``gunicorn -c gunicorn.conf.py``); the command line's options (workers, threads, bind)
still come first.

Each worker warms up before its first request (``api.warm``): the first bookings of a
release day's first second would otherwise pay a full garbage collection and every first
use (languages, connections, SQL) on top of their own work.
"""


def post_worker_init(worker):
    from flask import Flask

    app = worker.wsgi
    # Only this project's app (the benchmark serves its bare reference app with this file
    # in the working directory too).
    if isinstance(app, Flask) and app.import_name == "api":
        from api.warm import warm_worker

        warm_worker(app, connections=worker.cfg.threads)
