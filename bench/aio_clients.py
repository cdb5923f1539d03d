"""Many keep-alive HTTP/1.1 clients in one asyncio loop, released together (release day's
load generator).

A thousand Python threads, each with an ``http.client`` connection, cost the load generator
410-480 us of CPU a request on this 2-core machine (their start and their connections'
opening included), CPU the server under test needed. aiohttp (one session and connection
per client) cost ~300 us in a one-off run; it is not a dependency. This client costs
115-140 us. Measured on 4,000 bare GETs by 1,000 clients (``bench/RESULTS.md``, session
16):

    python -m bench.aio_clients [--clients 1000] [--rounds 3]

It is deliberately small. It writes a request on a client's connection and reads one
answer: a status line, headers, and a body of ``Content-Length`` bytes or in chunks (all
the benchmark's routes give). A connection the server closes after its answer
(``Connection: close``) is opened again for the next request, as ``http.client`` does.
Anything else (a garbled answer, a reset, no answer within the client's time) ends that
client with status 0, a traveller left unanswered; its answers so far are kept.
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
CLIENT_TIMEOUT_SECONDS = 30.0  # as the former generator's http.client timeout


class Connection:
    """One client's keep-alive connection (opened again when the server closed it)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """Send a request (``body`` as JSON) and read its answer: (status, body)."""
        if self.writer is None:
            await self.open()
        data = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = head.partition(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        if not version.startswith(b"HTTP/1.") or not rest[:3].isdigit():
            raise ValueError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
        status = int(rest[:3])
        fields = {}
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        if b"content-length" in fields:
            payload = await self.reader.readexactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            payload = await self._chunks()
        else:
            raise ValueError("an answer without a length")
        if fields.get(b"connection", b"").lower() == b"close":
            self.close()  # as http.client does: the next request opens a new connection
        return status, payload

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
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


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
    base_url: str,
    clients: int,
    plan: Callable[[Connection, int, Answers], Awaitable[None]],
    timeout: float = CLIENT_TIMEOUT_SECONDS,
) -> Released:
    """``clients`` connections opened, then released together: ``plan(connection, index,
    answers)`` runs one client's requests, appending each answer to ``answers``, the last
    being its final one. A client whose connection could not be opened, fails, or takes
    longer than ``timeout`` seconds in all gets one more answer of status 0 at that moment
    (its answers so far are kept)."""
    return asyncio.run(_release(base_url, clients, plan, timeout))


async def _release(base_url: str, clients: int, plan, timeout: float) -> Released:
    url = urlsplit(base_url)
    connections = [Connection(url.hostname, url.port) for _ in range(clients)]
    opened = await asyncio.gather(
        *(connection.open() for connection in connections), return_exceptions=True
    )
    go = asyncio.Event()
    released = [0.0]
    results: list[tuple[Answers, float]] = []

    async def run(index: int) -> None:
        answers: Answers = []
        await go.wait()
        try:
            if isinstance(opened[index], BaseException):
                raise ConnectionError("the connection could not be opened")
            async with asyncio.timeout(timeout):
                await plan(connections[index], index, answers)
        except (*NO_ANSWER_ERRORS, TimeoutError):  # a traveller left unanswered
            answers.append((0, time.perf_counter() - released[0]))
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
    of the threads to the last answer: their start and connections included, where the
    asyncio figure counts from the release.)"""
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

    async def bare(connection: Connection, _index: int, answers: Answers) -> None:
        for _ in range(requests):
            status, _, seconds = await timed(connection, "GET", "/json")
            answers.append((status, seconds))

    with gunicorn("bench.baseline_app:app", {}, workers=2, threads=8) as (base_url, _):
        for _ in range(args.rounds):
            rps, last, cpu = _threads_ceiling(base_url, args.clients, requests)
            print(
                f"threads + http.client: {rps:6,.0f} req/s, last answer {last:.2f} s, "
                f"generator CPU {cpu / (args.clients * requests) * 1e6:.0f} us a request "
                "(threads' start and connections included)"
            )
            got = release(base_url, args.clients, bare)
            print(
                f"asyncio (this module): {len(got.statuses) / got.last_answer:6,.0f} req/s, "
                f"last answer {got.last_answer:.2f} s, generator CPU "
                f"{got.cpu_seconds / len(got.statuses) * 1e6:.0f} us a request"
            )


if __name__ == "__main__":
    main()
