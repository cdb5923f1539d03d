"""The fake FCM for the push benchmark, served by processes of its own, and its own ceiling.

    python -m bench.push_fake [--processes 1] [--clients 2] [--connections 8] [--seconds 3]

``FakeFcmProcesses`` runs ``tests.fakes.fake_fcm.FakeFcmServer`` (the fake the tests use,
unchanged in what it answers) in one or more child processes sharing one port
(``SO_REUSEPORT``: the kernel spreads the connections), so FCM is not on the worker's CPU,
as in production. ``ceiling`` measures what the fake answers to a bare client: keep-alive
``http.client`` POSTs of a message shaped like the one firebase-admin sends, from several
processes of several threads. If the sender's figure comes near this, the figure measures
the fake, not the sender.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import threading
import time
from dataclasses import dataclass

# What firebase-admin 7.7 puts on the wire for one of our deliveries (push.fcm._to_sdk of a
# notification with deep-link data), headers included.
MESSAGE = {
    "message": {
        "token": "bench-token-000001-" + "x" * 140,
        "notification": {
            "title": "Your application has moved on",
            "body": "Passport renewal FR-PAR-2026-000123: ready for collection",
        },
        "data": {"kind": "status_change", "application_id": "123", "notification_id": "4567"},
        "android": {"priority": "high"},
        "apns": {"headers": {"apns-priority": "10"}},
    }
}
HEADERS = {
    "Content-Type": "application/json",
    "Authorization": "Bearer fake-access-token",
    "X-GOOG-API-FORMAT-VERSION": "2",
    "X-FIREBASE-CLIENT": "fire-admin-python/7.7.0",
    "x-goog-api-client": "gl-python/3.11.7 fire-admin/7.7.0",
    "User-Agent": "python-requests/2.34.2",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*",
}


def _serve(connection, port: int, delay: float) -> None:
    """Child process: one fake on ``port`` (0: any) until told to stop; then its count."""
    from tests.fakes.fake_fcm import FakeFcmServer

    with FakeFcmServer(port=port, reuse_port=True, delay=delay) as fcm:
        connection.send(fcm.url)
        connection.recv()
        connection.send((len(fcm.sent_messages()), time.process_time()))


class FakeFcmProcesses:
    """``processes`` fakes on one port, each in a process of its own; ``delay`` seconds
    before every answer stand for FCM's latency over the internet."""

    def __init__(self, processes: int = 1, delay: float = 0.0) -> None:
        self.processes = processes
        self.delay = delay
        self.cpu_seconds = 0.0

    def __enter__(self) -> FakeFcmProcesses:
        context = multiprocessing.get_context("spawn")
        self._pipes, self._children = [], []
        port = 0
        for _ in range(self.processes):
            mine, theirs = context.Pipe()
            child = context.Process(target=_serve, args=(theirs, port, self.delay), daemon=True)
            child.start()
            self._pipes.append(mine)
            self._children.append(child)
            self.url = mine.recv()
            port = int(self.url.rsplit(":", 1)[1])  # the others bind the first one's port
        return self

    def sent_count(self) -> int:
        """Stop the fakes; the messages they accepted (their CPU seconds in ``cpu_seconds``)."""
        total, self.cpu_seconds = 0, 0.0
        for pipe in self._pipes:
            pipe.send("stop")
        for pipe in self._pipes:
            count, cpu = pipe.recv()
            total += count
            self.cpu_seconds += cpu
        return total

    def __exit__(self, *exc_info) -> None:
        for child in self._children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()


def _client(url: str, connections: int, seconds: float, start: float, out) -> None:
    """Child process: ``connections`` threads, each one keep-alive connection POSTing the
    message until ``seconds`` after ``start``; sends back how many 200s came back."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    body = json.dumps(MESSAGE).encode()
    path = "/v1/projects/bench/messages:send"
    counts = [0] * connections

    def run(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.time() < start:
            time.sleep(0.001)
        while time.time() < start + seconds:
            connection.request("POST", path, body=body, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.send(sum(counts))


@dataclass(frozen=True)
class Ceiling:
    processes: int  # fake FCM processes
    clients: int  # client processes
    connections: int  # keep-alive connections per client process
    rounds: list[float]  # messages per second, one per round

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)

    def describe(self) -> str:
        low, high = min(self.rounds), max(self.rounds)
        return (
            f"{self.median:,.0f} msg/s ({low:,.0f}-{high:,.0f}, {len(self.rounds)} rounds; "
            f"{self.processes} fake process(es), {self.clients} client processes x "
            f"{self.connections} keep-alive connections)"
        )


def ceiling(
    url: str, *, clients: int = 2, connections: int = 8, seconds: float = 2.0, rounds: int = 1
) -> list[float]:
    """Messages per second the fake at ``url`` accepts from bare keep-alive clients."""
    context = multiprocessing.get_context("spawn")
    figures = []
    for _ in range(rounds):
        start = time.time() + 0.5  # after every client has started and connected
        pipes, children = [], []
        for _ in range(clients):
            mine, theirs = context.Pipe()
            child = context.Process(target=_client, args=(url, connections, seconds, start, theirs))
            child.start()
            pipes.append(mine)
            children.append(child)
        total = sum(pipe.recv() for pipe in pipes)
        for child in children:
            child.join()
        figures.append(total / seconds)
    return figures


def measure(
    processes: int = 1, clients: int = 2, connections: int = 8, seconds: float = 2.0, rounds=1
) -> Ceiling:
    with FakeFcmProcesses(processes) as fcm:
        figures = ceiling(
            fcm.url, clients=clients, connections=connections, seconds=seconds, rounds=rounds
        )
        fcm.sent_count()
    return Ceiling(processes, clients, connections, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=1, help="fake FCM processes")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--connections", type=int, default=8, help="per client process")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.processes, args.clients, args.connections, args.seconds, args.rounds)
    print(f"fake FCM ceiling: {result.describe()}")


if __name__ == "__main__":
    main()
