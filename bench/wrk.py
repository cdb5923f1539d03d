"""Running wrk (a C load generator, from Debian) and reading its report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def run(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    method: str = "GET",
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    variants: list[dict] | None = None,
) -> Result:
    """``variants``: requests to send in turn instead of one ``body`` and ``headers``, each a
    dict with optional ``body`` and ``headers`` (e.g. one per account, so that concurrent
    requests are not all one account's)."""
    script_lines = [f'wrk.method = "{method}"']
    if body is not None:
        script_lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
        script_lines.append('wrk.headers["Content-Type"] = "application/json"')
    for name, value in (headers or {}).items():
        script_lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if variants:
        script_lines += _variants_lua(variants)
    # wrk reads the script by path, so the file must outlive the ``with``; it is removed
    # whatever wrk does.
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(script_lines) + "\n")
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(rps, p50, p99, total, int(bad.group(1)) if bad else 0)


def _lua_string(value: str) -> str:
    # A JSON string literal is a valid Lua one as long as it is ASCII (Lua has no \uXXXX
    # escape): bodies and tokens here are.
    if not value.isascii():
        raise ValueError("wrk variants must be ASCII")
    return json.dumps(value)


def _variants_lua(variants: list[dict]) -> list[str]:
    """A ``request()`` that cycles through ``variants`` (wrk.format adds Host and the
    Content-Length; headers given there replace wrk.headers, so the common ones are merged
    in)."""
    lines = ["local variants = {"]
    for variant in variants:
        fields = [
            f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in variant.get("headers", {}).items()
        ]
        body = "nil"
        if variant.get("body") is not None:
            body = _lua_string(json.dumps(variant["body"]))
            fields.append('["Content-Type"] = "application/json"')
        lines.append(f"  {{headers = {{{', '.join(fields)}}}, body = {body}}},")
    lines += [
        "}",
        "local turn = 0",
        "request = function()",
        "  turn = turn % #variants + 1",
        "  local v = variants[turn]",
        "  local headers = {}",
        "  for k, value in pairs(wrk.headers) do headers[k] = value end",
        "  for k, value in pairs(v.headers) do headers[k] = value end",
        "  return wrk.format(nil, nil, headers, v.body)",
        "end",
    ]
    return lines


def merge(results: list[Result]) -> Result:
    """Several rounds as one: requests summed and the rate over the rounds' time; wrk gives
    no histogram to merge, so p50 is the request-weighted mean of the rounds' medians and
    p99 the worst round's (an upper bound, never flattering)."""
    total = sum(r.requests for r in results)
    seconds = sum(r.requests / r.requests_per_second for r in results if r.requests_per_second)

    def weighted(field: str) -> float:
        return sum(getattr(r, field) * r.requests for r in results) / total if total else 0.0

    return Result(
        total / seconds if seconds else 0.0,
        weighted("p50_ms"),
        max(r.p99_ms for r in results),
        total,
        sum(r.non_2xx_3xx for r in results),
    )
