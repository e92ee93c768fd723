"""A small HTTP/1.1 load generator, run as its own process by the serving benchmark.

``N`` kept-alive connections, each sending the same POST one after the other (closed loop),
for a fixed time after a warm-up; prints one JSON line: requests, non-2xx answers, requests
per second and latency percentiles in ms. Raw asyncio streams, so the generator itself
costs little (an HTTP client library would cost more per request than the server under
test).

Usage: python _loadgen.py URL BODY_FILE --concurrency 8 --seconds 5 [--header 'K: V' ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from urllib.parse import urlsplit


async def _connection(
    host: str,
    port: int,
    request: bytes,
    until: float,
    warm_until: float,
    latencies: list[float],
    failures: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            began = time.perf_counter()
            if began >= until:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            if began >= warm_until:
                latencies.append((time.perf_counter() - began) * 1000)
                if not 200 <= status < 300:
                    failures.append(status)
    finally:
        writer.close()


async def _main(args: argparse.Namespace) -> dict[str, float]:
    url = urlsplit(args.url)
    body = open(args.body_file, "rb").read()  # noqa: ASYNC230, SIM115 - read once, before the clock
    headers = [f"POST {url.path} HTTP/1.1", f"Host: {url.netloc}"]
    headers += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    headers += args.header
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    latencies: list[float] = []
    failures: list[int] = []
    start = time.perf_counter()
    warm_until = start + args.warmup
    until = warm_until + args.seconds
    await asyncio.gather(
        *(
            _connection(
                url.hostname or "127.0.0.1",
                url.port or 80,
                request,
                until,
                warm_until,
                latencies,
                failures,
            )
            for _ in range(args.concurrency)
        )
    )
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {
        "requests": len(latencies),
        "failures": len(failures),
        "rps": len(latencies) / args.seconds,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) if latencies else 0.0,
    }


def main() -> None:
    """Parse the arguments, run the load, print the figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("body_file")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--header", action="append", default=[])
    print(json.dumps(asyncio.run(_main(parser.parse_args()))))


if __name__ == "__main__":
    main()
