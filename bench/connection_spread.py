"""How wrk's connections land on gunicorn's workers, and what it does to throughput.

    python -m bench.connection_spread [--runs 15] [--shared-socket]

Serves the bare Flask JSON route (``bench/baseline_app.py``) with gunicorn, 2 gthread
workers x 8 threads as in the benchmark, and runs wrk (16 keep-alive connections, 1 s) again
and again; prints each run's req/s and the connections each worker holds half-way through.
By default gunicorn reads ``gunicorn.conf.py`` (a listening socket per worker);
``--shared-socket`` serves it without (``-c /dev/null``): one socket shared by the workers,
as gunicorn does unless told otherwise. Not a test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import urllib.request

from bench import wrk
from bench.servers import ROOT, children, free_port, socket_inodes, stop_group


def _connections(worker: int, port: int) -> int:
    """Established TCP connections to ``port`` held by ``worker`` (its sockets' inodes
    matched against ``/proc/net/tcp``: state 01, local port ``port``)."""
    inodes = socket_inodes(worker)
    count = 0
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].split(":")[1], 16) == port and fields[9] in inodes:
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--shared-socket", action="store_true")
    args = parser.parse_args()
    port = free_port()
    config = ["-c", "/dev/null"] if args.shared_socket else []
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *config, "bench.baseline_app:app"]
        + ["-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread", "--threads", "8"]
        + ["--log-level", "warning", "--keep-alive", "30"],
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=1)
                if len(children(server.pid)) == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        workers = children(server.pid)
        print("shared socket" if args.shared_socket else "a socket per worker (gunicorn.conf.py)")
        for _ in range(args.runs):
            held: list[int] = []
            probe = threading.Timer(
                0.5, lambda held=held: held.extend(_connections(w, port) for w in workers)
            )
            probe.start()
            result = wrk.run(f"http://127.0.0.1:{port}/json", seconds=1, connections=16)
            probe.join()
            print(f"{result.requests_per_second:7,.0f} req/s   connections per worker {held}")
    finally:
        stop_group(server)


if __name__ == "__main__":
    main()
