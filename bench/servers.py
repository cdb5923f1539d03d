"""Throwaway servers on 127.0.0.1 for benchmarks: PostgreSQL, Redis, gunicorn.

Each is a context manager that stops what it started, even when the benchmark fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


_CLUSTERS: dict[str, tuple[str, str]] = {}  # url -> (pg bin dir, data dir)


@contextmanager
def postgres(force_new: bool = False) -> Iterator[str]:
    """A fresh cluster tuned for throwaway use (fsync off); yields a SQLAlchemy URL."""
    if os.environ.get("DATABASE_URL") and not force_new:
        yield os.environ["DATABASE_URL"]
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    pg_bin = bins[-1]
    tmp = tempfile.mkdtemp(prefix="palm-bench-pg.")
    os.chmod(tmp, 0o755)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    port = free_port()
    data = os.path.join(tmp, "data")
    subprocess.run(
        _as_postgres([f"{pg_bin}/initdb", "-D", data, "-U", "app", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    subprocess.run(
        _as_postgres(
            [f"{pg_bin}/pg_ctl", "-D", data, "-l", f"{tmp}/log", "-o", options, "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    url = f"postgresql+psycopg://app@127.0.0.1:{port}/postgres"
    _CLUSTERS[url] = (pg_bin, data)
    try:
        yield url
    finally:
        _CLUSTERS.pop(url, None)
        subprocess.run(
            _as_postgres([f"{pg_bin}/pg_ctl", "-D", data, "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def restart_postgres(url: str) -> None:
    """Restart a cluster started by ``postgres()`` (fast shutdown: sessions are cut)."""
    pg_bin, data = _CLUSTERS[url]
    subprocess.run(
        # -l keeps the server's output off our pipe (a restart would otherwise hold it open)
        _as_postgres(
            [
                f"{pg_bin}/pg_ctl",
                "-D",
                data,
                "-l",
                os.path.join(os.path.dirname(data), "log"),
                "-m",
                "fast",
                "-w",
                "restart",
            ]
        ),
        check=True,
        capture_output=True,
    )


@contextmanager
def redis() -> Iterator[str]:
    """``REDIS_URL`` when set, else a Redis of our own (see ``own_redis``)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with own_redis() as (url, _process):
        yield url


@contextmanager
def own_redis() -> Iterator[tuple[str, subprocess.Popen]]:
    """A throw-away Redis on a free loopback port (no persistence); yields its URL and its
    process (a fault test stops it)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0", proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def gunicorn(
    app_spec: str, env: dict[str, str], *, workers: int, threads: int, log: str | None = None
) -> Iterator[tuple[str, int]]:
    """Serve ``app_spec`` with gunicorn (gthread); yields (base URL, master pid). ``log``: a
    file for the servers' output (the app's JSON logs), else it is dropped."""
    port = free_port()
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app_spec,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(
                    url + "/healthz" if "api" in app_spec else url + "/json", timeout=1
                )
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn for {app_spec} did not start") from None
                time.sleep(0.2)
        yield url, proc.pid
    finally:
        stop_group(proc)
        if log:
            output.close()


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a server started in a session of its own, and its children: SIGTERM to the
    group, then SIGKILL if it has not exited within 15 s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (a gunicorn master's workers), from ``/proc``."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets process ``pid`` holds open (``/proc/PID/fd``), to match
    against ``/proc/net/tcp`` or ``/proc/net/unix``."""
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            found.add(link[len("socket:[") : -1])
    return found


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    sizes = []
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = Path(status).read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)
