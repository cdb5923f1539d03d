"""Release day's load generator (``bench.aio_clients``) against a server that answers in
every way the generator must survive: a body by length or in chunks, a connection closed
after its answer, a garbled answer, and no answer at all. A client's answers so far are
kept, and one that fails gets status 0 (a traveller left unanswered), never a crash."""

from __future__ import annotations

import asyncio

from bench import aio_clients


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1]
            if path == b"/length-then-close":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                await writer.drain()
                writer.close()
                return
            if path == b"/chunked":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"2\r\nab\r\n3;x=y\r\ncde\r\n0\r\n\r\n"
                )
            elif path == b"/created":
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                body = await reader.readexactly(length)
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n" % len(body))
                writer.write(body)
            elif path == b"/garbled":
                writer.write(b"garbage\r\n\r\n")
            elif path == b"/silent":
                await asyncio.sleep(10)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


def _release(paths_of: list[list[str]], timeout: float = 0.5):
    seen: dict[int, list[tuple[int, bytes]]] = {}

    async def plan(connection, index, answers) -> None:
        seen[index] = []
        for path in paths_of[index]:
            body = {"n": index} if path == "/created" else None
            status, payload, seconds = await aio_clients.timed(
                connection, "POST" if body else "GET", path, body
            )
            seen[index].append((status, payload))
            answers.append((status, seconds))

    async def main():
        server = await asyncio.start_server(_serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await aio_clients._release(
                f"http://127.0.0.1:{port}", len(paths_of), plan, timeout
            )

    return asyncio.run(main()), seen


def test_bodies_by_length_and_in_chunks_and_a_closed_connection_opened_again():
    released, seen = _release(
        [["/length-then-close", "/chunked"], ["/chunked", "/created"]], timeout=5
    )
    assert seen[0] == [(200, b"ok"), (200, b"abcde")]  # the second on a new connection
    assert seen[1] == [(200, b"abcde"), (201, b'{"n": 1}')]
    assert sorted(released.statuses) == [200, 200, 200, 201]
    assert released.booked_clients == 1
    assert len(released.latencies) == 4 and released.last_answer > 0


def test_a_garbled_or_missing_answer_is_no_answer_and_the_earlier_ones_are_kept():
    released, seen = _release([["/chunked", "/garbled"], ["/chunked", "/silent"], ["/chunked"]])
    assert seen[0] == [(200, b"abcde")] and seen[1] == [(200, b"abcde")]
    # Each failing client keeps its first answer and gets one status 0; none crashed the run.
    assert sorted(released.statuses) == [0, 0, 200, 200, 200]
    assert released.booked_clients == 0


def test_a_client_whose_connection_cannot_open_is_no_answer():
    async def plan(connection, index, answers) -> None:  # never reached
        raise AssertionError("a client without a connection ran its plan")

    # A port nobody listens on: every connection is refused before the release.
    released = aio_clients.release("http://127.0.0.1:9", 3, plan, timeout=1)
    assert released.statuses == [0, 0, 0]
    assert released.booked_clients == 0
