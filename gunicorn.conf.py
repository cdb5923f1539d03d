"""gunicorn's settings for the web workers (read from the working directory, or with
``gunicorn -c gunicorn.conf.py``); the command line's options (workers, threads, bind)
still come first.

Each worker warms up before its first request (``api.warm``): the first bookings of a
release day's first second would otherwise pay a full garbage collection and every first
use (languages, connections, SQL) on top of their own work.
"""

# On for whatever gunicorn opens before the hooks below decide (a reload onto a changed
# address opens it in the master first): without it, a port the old workers still hold with
# SO_REUSEPORT cannot be bound again, and the master exits. The hooks turn it off for Unix
# sockets and sockets handed over.
reuse_port = True


def on_starting(server):
    """Each worker listens on a socket of its own (``reuse_port``: Linux's SO_REUSEPORT),
    and the kernel spreads new connections across them.

    With one socket shared by all workers, the worker that wakes first accepts whatever is
    waiting: a burst of keep-alive connections opened together (a load balancer's pool, a
    release day's first second) could all land on one worker, which then served them on one
    core while its siblings idled (benchmark: 2 workers, 16 connections opened at once, all
    on one worker in about half the runs, at 0.4x the throughput of a split). A gthread
    worker accepts whether or not a thread is free (gunicorn issues 908, 3433), so only the
    kernel can spread them.

    Only for TCP addresses of gunicorn's own making: each worker would bind a Unix socket's
    path anew (gunicorn removes the file first, so only the last worker would be reached),
    and sockets handed over by systemd or a re-executing master are already shared.

    Whether the sockets were handed over is kept on the server for ``on_reload``."""
    import os

    from gunicorn import systemd

    handed_over = systemd.listen_fds(unset_environment=False) or "GUNICORN_FD" in os.environ
    server.palm_handed_over = bool(handed_over)  # for on_reload
    server.cfg.set("reuse_port", _socket_per_worker(server))


def on_reload(server):
    """A reload (``kill -HUP``, ``systemctl reload``) reads this file and the settings
    again before the new workers start: ``reuse_port`` is then this file's (on), and an
    address that changed has just been opened in the master. The new workers are set up as
    the first were, for the addresses now set:

    - a socket per worker: the master's listeners for a changed address are closed (the
      kernel would hand them connections no one accepts) and each worker opens its own. A
      master whose workers had sockets of their own holds none to hand the new ones: with
      ``reuse_port`` left at gunicorn's default they listened on nothing;
    - Unix sockets, or sockets handed over (what the start saw: by now gunicorn has taken
      systemd's out of the environment): off, and the workers share the master's."""
    per_worker = _socket_per_worker(server)
    if per_worker and server.LISTENERS:
        for listener in server.LISTENERS:
            listener.close()
        server.LISTENERS = []
    server.cfg.set("reuse_port", per_worker)


def _socket_per_worker(server) -> bool:
    own_tcp = all(isinstance(address, tuple) for address in server.cfg.address)
    return own_tcp and not getattr(server, "palm_handed_over", True)


def post_worker_init(worker):
    from flask import Flask

    app = worker.wsgi
    # Only this project's app (the benchmark serves its bare reference app with this file
    # in the working directory too).
    if isinstance(app, Flask) and app.import_name == "api":
        from api.warm import warm_worker

        warm_worker(app, connections=worker.cfg.threads)
