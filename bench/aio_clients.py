"""Many keep-alive HTTP/1.1 clients in one asyncio loop, released together (release day's
load generator).

A thousand Python threads, each with an ``http.client`` connection, cost the load generator
410-480 us of CPU a request on this 2-core machine (their start included), CPU the server
under test needed. aiohttp (one session and connection per client) cost ~300 us. This
client costs 115-140 us. Measured on 4,000 bare GETs by 1,000 clients:

    python -m bench.aio_clients [--clients 1000] [--rounds 3]

(``bench/RESULTS.md``, session 16; aiohttp is not a dependency, its figure is from a
one-off run). It is deliberately small. It writes a request
on one connection and reads one answer: a status line, headers, and a body of
``Content-Length`` bytes or in chunks. That is all the benchmark's routes give, and
anything else fails the request, counted as a client with no answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Per request: (status, seconds); status 0 is no answer (refused, reset, closed, garbled).
Answers = list[tuple[int, float]]

NO_ANSWER_ERRORS = (OSError, EOFError, ValueError, asyncio.LimitOverrunError)


class Connection:
    """One client's keep-alive connection."""

    def __init__(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.host = host
        self.reader = reader
        self.writer = writer

    async def request(
        self, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """Send a request (``body`` as JSON) and read its answer: (status, body)."""
        data = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        fields = {}
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        if b"content-length" in fields:
            return status, await self.reader.readexactly(int(fields[b"content-length"]))
        if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            return status, await self._chunks()
        raise ValueError("an answer without a length")

    async def _chunks(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers here
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


async def timed(
    connection: Connection, method: str, path: str, body: object = None, headers=None
) -> tuple[int, bytes, float]:
    """``Connection.request`` with the seconds it took."""
    started = time.perf_counter()
    status, payload = await connection.request(method, path, body, headers)
    return status, payload, time.perf_counter() - started


@dataclass
class Released:
    statuses: list[int]
    latencies: list[float]
    last_answer: float  # seconds from the release to the last client's final answer
    booked_clients: int  # clients with a 201 among their answers
    cpu_seconds: float  # the load generator's own CPU from the release to the last answer


def release(
    base_url: str, clients: int, plan: Callable[[Connection, int], Awaitable[Answers]]
) -> Released:
    """``clients`` connections opened, then released together: ``plan(connection, index)``
    runs one client's requests and returns its answers, the last being its final one. A
    client whose connection fails gets one answer of status 0 at that moment."""
    return asyncio.run(_release(base_url, clients, plan))


async def _release(base_url: str, clients: int, plan) -> Released:
    url = urlsplit(base_url)
    opened = await asyncio.gather(
        *(asyncio.open_connection(url.hostname, url.port) for _ in range(clients))
    )
    connections = [Connection(url.netloc, reader, writer) for reader, writer in opened]
    go = asyncio.Event()
    released = [0.0]
    results: list[tuple[Answers, float]] = []

    async def run(index: int) -> None:
        await go.wait()
        try:
            answers = await plan(connections[index], index)
        except NO_ANSWER_ERRORS:  # a traveller left unanswered
            answers = [(0, time.perf_counter() - released[0])]
        results.append((answers, time.perf_counter() - released[0]))

    tasks = [asyncio.create_task(run(index)) for index in range(clients)]
    await asyncio.sleep(0)  # every task waiting on the release
    cpu = time.process_time()
    released[0] = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu
    for connection in connections:
        connection.close()
    statuses = [status for answers, _ in results for status, _ in answers]
    latencies = sorted(seconds for answers, _ in results for _, seconds in answers)
    return Released(
        statuses,
        latencies,
        max((done for _, done in results), default=0.0),
        sum(any(status == 201 for status, _ in answers) for answers, _ in results),
        cpu,
    )


def _threads_ceiling(base_url: str, clients: int, requests: int) -> tuple[float, float, float]:
    """The former generator: a thread per client with an ``http.client`` connection (opened
    first), released together. (req/s, last answer s, the process's CPU s from the start
    of the threads to the last answer.)"""
    from bench.scenarios import Client

    barrier = threading.Barrier(clients + 1)
    done: list[float] = []

    def run() -> None:
        client = Client(base_url)
        try:
            barrier.wait()
            for _ in range(requests):
                client.request("GET", "/json")
            done.append(time.perf_counter())
        finally:
            client.close()

    cpu = time.process_time()
    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    last = max(done) - started
    return clients * requests / last, last, time.process_time() - cpu


def main() -> None:
    """Both generators' ceilings against the bare route, alternating."""
    from bench.servers import gunicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    requests = 4  # as release day's ceiling: TRIES + 1 bare GETs per client

    async def bare(connection: Connection, _index: int) -> Answers:
        answers = []
        for _ in range(requests):
            status, _, seconds = await timed(connection, "GET", "/json")
            answers.append((status, seconds))
        return answers

    with gunicorn("bench.baseline_app:app", {}, workers=2, threads=8) as (base_url, _):
        for _ in range(args.rounds):
            rps, last, cpu = _threads_ceiling(base_url, args.clients, requests)
            print(
                f"threads + http.client: {rps:6,.0f} req/s, last answer {last:.2f} s, "
                f"generator CPU {cpu / (args.clients * requests) * 1e6:.0f} us a request "
                "(thread start included)"
            )
            got = release(base_url, args.clients, bare)
            print(
                f"asyncio (this module): {len(got.statuses) / got.last_answer:6,.0f} req/s, "
                f"last answer {got.last_answer:.2f} s, generator CPU "
                f"{got.cpu_seconds / len(got.statuses) * 1e6:.0f} us a request"
            )


if __name__ == "__main__":
    main()
