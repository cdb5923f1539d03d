"""The web workers' gunicorn settings (``gunicorn.conf.py``), with gunicorn itself."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.servers import children, free_port, socket_inodes, stop_group

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads sockets from /proc (Linux)"
)


def hello(environ, start_response):
    """The WSGI app the tests serve (nothing to install beyond gunicorn itself)."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def _listening_inodes(port: int) -> set[str]:
    """The inodes of the sockets listening on 127.0.0.1:``port`` (``/proc/net/tcp``)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.split(":")[1], 16) == port:  # 0A: LISTEN
            inodes.add(inode)
    return inodes


@contextmanager
def _gunicorn(bind: str, ready: Callable[[], bool]) -> Iterator[tuple[int, list[int]]]:
    """gunicorn with this project's settings, 2 gthread workers, serving ``hello`` on
    ``bind``; yields (master pid, worker pids)
    once both workers run and ``ready()`` says the server answers."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "2",
            "-b",
            bind,
            "tests.test_gunicorn_conf:hello",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            workers = children(server.pid)
            try:
                if len(workers) == 2 and ready():
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield server.pid, workers
    finally:
        stop_group(server)


def test_each_web_worker_listens_on_a_tcp_socket_of_its_own():
    """With one socket shared by every worker, a burst of connections opened together could
    all be accepted by the worker that woke first, and served on one core (the benchmark saw
    it in about half its runs). With a socket per worker (``reuse_port``), the kernel spreads
    them."""
    port = free_port()

    def answers() -> bool:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=1)
        return True

    with _gunicorn(f"127.0.0.1:{port}", answers) as (master, workers):
        settled = time.monotonic() + 5  # the second worker's listener, if it has one
        while len(_listening_inodes(port)) < 2 and time.monotonic() < settled:
            time.sleep(0.1)
        listening = _listening_inodes(port)
        assert len(listening) == 2
        # one listener in each worker, none shared, and none held by the master
        mine = [socket_inodes(worker) & listening for worker in workers]
        assert all(len(inodes) == 1 for inodes in mine) and mine[0] != mine[1]
        assert not socket_inodes(master) & listening


def test_a_reload_leaves_each_new_worker_listening_on_a_socket_of_its_own():
    """``kill -HUP`` (a deploy's reload) starts new workers with the settings read again,
    which put ``reuse_port`` back to its default: they inherited the master's listeners,
    and with a socket per worker the master has none. After the reload nothing listened and
    every connection was refused (fails unless this file or ``on_reload`` turns it on)."""
    import os
    import signal

    port = free_port()

    def answers() -> bool:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        return True

    with _gunicorn(f"127.0.0.1:{port}", answers) as (master, first_workers):
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + 30
        while True:
            workers = children(master)
            if len(workers) == 2 and not set(workers) & set(first_workers):
                if len(_listening_inodes(port)) == 2:
                    break
            assert time.monotonic() < deadline, (workers, _listening_inodes(port))
            time.sleep(0.2)
        listening = _listening_inodes(port)
        mine = [socket_inodes(worker) & listening for worker in workers]
        assert all(len(inodes) == 1 for inodes in mine) and mine[0] != mine[1]
        assert answers()


def test_a_reload_onto_changed_addresses_gives_each_worker_a_socket_on_each(tmp_path):
    """A reload that changes the addresses (``bind`` in a settings file), here from one
    port to the same and another: gunicorn opens them in the master before ``on_reload``
    runs. Without ``SO_REUSEPORT`` there, the port the old workers still held could not be
    bound (the master exited), and the workers could not bind a new one beside the master's
    (they failed and were started again): nothing answered. With it but the master's kept
    open, the kernel would hand that socket connections no one accepts."""
    import os
    import signal

    first, second = free_port(), free_port()
    bind_file = tmp_path / "bind"
    bind_file.write_text(f"127.0.0.1:{first}")
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n"
        f"bind = open({str(bind_file)!r}).read().strip().split(',')\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(settings), "-w", "2", "-k", "gthread"]
        + ["--threads", "2", "tests.test_gunicorn_conf:hello"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def settled(port: int, old_workers: set[int]) -> list[int] | None:
        workers = children(server.pid)
        if len(workers) != 2 or set(workers) & old_workers:
            return None
        if len(_listening_inodes(port)) != 2:
            return None
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        return workers

    def wait(port: int, old_workers: set[int]) -> list[int]:
        deadline = time.monotonic() + 30
        while True:
            try:
                workers = settled(port, old_workers)
            except OSError:
                workers = None
            if workers:
                return workers
            assert server.poll() is None and time.monotonic() < deadline, (
                children(server.pid),
                _listening_inodes(port),
            )
            time.sleep(0.2)

    try:
        first_workers = wait(first, set())
        bind_file.write_text(f"127.0.0.1:{first},127.0.0.1:{second}")
        os.kill(server.pid, signal.SIGHUP)
        workers = wait(second, set(first_workers))
        for port in (first, second):
            wait(port, set(first_workers))
            listening = _listening_inodes(port)
            mine = [socket_inodes(worker) & listening for worker in workers]
            assert all(len(inodes) == 1 for inodes in mine) and mine[0] != mine[1]
            assert not socket_inodes(server.pid) & listening
    finally:
        stop_group(server)


def _unix_listeners(path: str) -> set[str]:
    """The inodes of the sockets listening on the Unix socket ``path`` (``/proc/net/unix``:
    flag 00010000 is a listening socket)."""
    found = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) == 8 and fields[7] == path and fields[3] == "00010000":
            found.add(fields[6])
    return found


def test_workers_share_a_unix_socket_they_cannot_spread(tmp_path):
    """Each worker binding a Unix socket's path anew would leave only the last one reached
    (gunicorn removes the file first): on a Unix socket the workers share the master's."""
    path = str(tmp_path / "web.sock")

    def answers() -> bool:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(1)
            client.connect(path)
            client.sendall(b"GET /json HTTP/1.0\r\n\r\n")
            return client.recv(12).startswith(b"HTTP/1.")

    with _gunicorn(f"unix:{path}", answers) as (master, workers):
        listening = _unix_listeners(path)
        assert len(listening) == 1
        assert all(socket_inodes(pid) & listening for pid in (master, *workers))
        assert answers()
