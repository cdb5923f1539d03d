"""One push's HTTP exchange alone: urllib3 (and ``http.client`` under it) against libcurl.

    python -m bench.push_http [--requests 3000] [--rounds 2]

The same JSON POST (the message and headers firebase-admin sends, ``bench.push_fake``) to
the fake FCM in a process of its own, on one keep-alive connection from one thread, without
the SDK: ``HTTPConnectionPool.urlopen`` with the SDK's retry policy, as the push worker sent
until session 17, and ``push.curl_transport.CurlTransport``, as it sends now. Prints the
worker's CPU per request (``time.process_time``) and requests per second, alternating the
two clients in each round.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import certifi
    import urllib3
    from firebase_admin import _http_client

    from bench.push_fake import HEADERS, MESSAGE, FakeFcmProcesses
    from push.curl_transport import CurlTransport

    body = json.dumps(MESSAGE).encode()
    timeout = urllib3.Timeout(connect=10, read=10)
    with FakeFcmProcesses(1) as fcm:
        origin = fcm.url.rstrip("/")
        path = "/v1/projects/bench/messages:send"
        pool = urllib3.PoolManager().connection_from_url(origin)
        curl = CurlTransport(certifi.where())

        def with_urllib3() -> int:
            answer = pool.urlopen(
                "POST",
                path,
                body=body,
                headers=HEADERS,
                retries=_http_client.DEFAULT_RETRY_CONFIG,
                redirect=False,
                assert_same_host=False,
                timeout=timeout,
            )
            answer.data  # noqa: B018 - read the body, as the sender does
            return answer.status

        def with_libcurl() -> int:
            return curl.request("POST", origin + path, body, HEADERS, timeout).status

        for round_ in range(1, args.rounds + 1):
            for name, send in (("urllib3", with_urllib3), ("libcurl", with_libcurl)):
                if send() != 200:
                    raise SystemExit(f"{name}: the fake did not answer 200")
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    send()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                print(
                    f"round {round_}, {name}: {cpu * 1e6 / args.requests:.0f} us of CPU a "
                    f"request, {args.requests / wall:,.0f} requests/s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
