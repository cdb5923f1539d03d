"""Redis's own CPU per call: a ``PING``, an empty script, and the rate limits' script
(``api.rate_limit_redis``) judging 1, 3 and 5 windows, on a Redis of its own.

    python -m bench.redis_cpu [--calls 20000]

One client sends each call and reads its answer on a raw socket, ``--calls`` times in a
row; Redis's CPU is read from ``INFO cpu`` before and after. The figures say what one round
trip costs the server before any work is done in it (the lookups pay one, issue 19 item 3),
and what each window adds. Not a test; compare the lines of one run.
"""

from __future__ import annotations

import argparse
import socket
import time

import redis as redis_py

from api.rate_limit_redis import _SCRIPT
from bench.servers import own_redis


def _command(*parts: bytes) -> bytes:
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def _script_call(sha: str, windows: int) -> bytes:
    """A ``check`` of ``windows`` windows that all have room (the limit is 10^9)."""
    keys: list[bytes] = []
    argv = [b"check"]
    for i in range(windows):
        current = f"LIMITS:LIMITER/bench/{i}/1000000000/1/minute".encode()
        keys += [current + b"/-1", current]
        argv.append(b"1000000000 60 1 1")
    return _command(b"EVALSHA", sha.encode(), b"%d" % len(keys), *keys, *argv)


def _cpu(client) -> float:
    info = client.info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


def _measure(client, port: int, command: bytes, calls: int) -> tuple[float, float]:
    """Redis's CPU and the client's wall time per call, in microseconds."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        before, started = _cpu(client), time.perf_counter()
        for _ in range(calls):
            sock.sendall(command)
            if not sock.recv(4096):
                raise ConnectionError("Redis closed the connection")
        wall = time.perf_counter() - started
        return (_cpu(client) - before) / calls * 1e6, wall / calls * 1e6
    finally:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    with own_redis() as (url, _process):
        client = redis_py.Redis.from_url(url)
        port = client.connection_pool.connection_kwargs["port"]
        sha = client.script_load(_SCRIPT)
        empty = client.script_load("return {0}")
        calls = [
            ("PING", _command(b"PING")),
            ("an empty script", _command(b"EVALSHA", empty.encode(), b"0")),
            *[
                (f"the limits' script, {n} window{'s' if n > 1 else ''}", _script_call(sha, n))
                for n in (1, 3, 5)
            ],
        ]
        for _round in range(2):
            for label, command in calls:
                redis_cpu, wall = _measure(client, port, command, args.calls)
                print(f"{label:34s} Redis CPU {redis_cpu:6.1f} us a call, wall {wall:6.1f} us")


if __name__ == "__main__":
    main()
