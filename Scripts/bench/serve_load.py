#!/usr/bin/env python3
"""The measuring half of Scripts/bench/serve.sh (a benchmark, not a test). Standard library only.

    serve_load.py load --url http://127.0.0.1:PORT [--clients 8] [--seconds 20] [--warmup 2] [--top 10]
    serve_load.py cold --bin mmsearch --index DIR [--runs 10] [--top 10]
    serve_load.py vectors --count N --dim D --out V.f32 [--seed 7]
    serve_load.py queries

`load`: CLIENTS threads, each with one keep-alive HTTP/1.1 connection, send
`GET /api/v1/search?q=…&top=N` back to back (closed loop: a client sends its next query when
the answer to the last one is read), rotating through QUERIES from a different starting point
each. The first WARMUP seconds are not counted. Latency is request sent to body read, on the
client. Prints one JSON object: requests, errors, seconds, qps, p50_ms, p90_ms, p99_ms, max_ms,
client_cpu_s (CPU time this load generator itself used, warm-up included).

`cold`: runs `mmsearch query Q --index DIR -t N` once per query (the first RUNS queries, after
one untimed run that warms the page cache) and prints {"runs", "median_ms", "best_ms"}:
process start to exit, as a person at a shell sees it.

`vectors`: N random unit vectors (normal components, normalised), little-endian f32, one per row:
what `mmsearch-bench import` reads (as Scripts/bench/index.sh makes them with numpy).
"""
import argparse
import array
import math
import random
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import quote_plus, urlsplit

QUERIES = [
    "a dog", "a cat sleeping on a sofa", "an elephant", "a red car", "a fire truck", "mountains covered in snow",
    "a boat on a lake", "a bridge at night", "a cup of coffee", "fresh strawberries", "a guitar",
    "a horse in a field", "a tiger", "a zebra", "a flamingo", "a bee on a flower", "a yellow flower",
    "a castle", "a palace", "a rocket launch", "a hot air balloon", "a motorcycle", "a pickup truck",
    "a duck swimming", "a squirrel in a tree", "a ladybird", "a camel in the desert", "a bear",
    "a circuit board", "dinner on a table", "slices of citrus fruit", "a mince pie", "the shore at dusk",
    "an airplane in the sky", "two white dogs", "something to eat", "a wild animal", "a vehicle",
    "a building at night", "water", "a musical instrument", "an insect", "a bird", "a sunset over the sea",
    "a convertible", "winter", "a cute animal", "a photo of food", "electronics", "a landmark",
]


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def load(args: argparse.Namespace) -> None:
    url = urlsplit(args.url)
    paths = [f"/api/v1/search?q={quote_plus(q)}&top={args.top}" for q in QUERIES]
    start = time.perf_counter()
    counted_from = start + args.warmup
    stop_at = counted_from + args.seconds
    latencies: list[list[float]] = [[] for _ in range(args.clients)]
    errors = [0] * args.clients
    samples: list[str] = []

    def client(number: int) -> None:
        connection = None
        i = number * len(QUERIES) // args.clients
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            path = paths[i % len(paths)]
            i += 1
            sent = now
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                sent = time.perf_counter()
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                done = time.perf_counter()
                if response.status != 200:
                    raise RuntimeError(f"{path} → {response.status} {body[:200]!r}")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except Exception as error:  # counted, and the connection is made anew
                if connection is not None:
                    connection.close()
                connection = None
                if sent >= counted_from:
                    errors[number] += 1
                    if len(samples) < 5:
                        samples.append(str(error))
                continue
            if sent >= counted_from:
                latencies[number].append((done - sent) * 1000)
        if connection is not None:
            connection.close()

    cpu_before = time.process_time()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client_cpu = time.process_time() - cpu_before
    values = sorted(v for per in latencies for v in per)
    seconds = args.seconds
    print(json.dumps({
        "clients": args.clients, "requests": len(values), "errors": sum(errors), "seconds": seconds,
        "qps": round(len(values) / seconds, 1),
        "p50_ms": round(percentile(values, 50), 2), "p90_ms": round(percentile(values, 90), 2),
        "p99_ms": round(percentile(values, 99), 2), "max_ms": round(values[-1], 2) if values else None,
        "client_cpu_s": round(client_cpu, 2), "error_samples": samples,
    }))


def cold(args: argparse.Namespace) -> None:
    def run(query: str) -> float:
        started = time.perf_counter()
        subprocess.run([args.bin, "query", query, "--index", args.index, "-t", str(args.top)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return (time.perf_counter() - started) * 1000

    run(QUERIES[0])  # the page cache, as a second query at a shell finds it
    times = [run(q) for q in QUERIES[:args.runs]]
    print(json.dumps({"runs": len(times), "median_ms": round(statistics.median(times), 1),
                      "best_ms": round(min(times), 1)}))


def vectors(args: argparse.Namespace) -> None:
    gauss = random.Random(args.seed).gauss
    with open(args.out, "wb") as out:
        for start in range(0, args.count, 10_000):
            rows = array.array("f")
            for _ in range(min(10_000, args.count - start)):
                v = [gauss(0.0, 1.0) for _ in range(args.dim)]
                scale = 1.0 / math.sqrt(sum(x * x for x in v))
                rows.extend(x * scale for x in v)
            if sys.byteorder != "little":
                rows.byteswap()
            rows.tofile(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("load")
    p.add_argument("--url", required=True)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--top", type=int, default=10)
    p = commands.add_parser("cold")
    p.add_argument("--bin", required=True)
    p.add_argument("--index", required=True)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--top", type=int, default=10)
    p = commands.add_parser("vectors")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=7)
    commands.add_parser("queries")
    args = parser.parse_args()
    if args.command == "load":
        load(args)
    elif args.command == "cold":
        cold(args)
    elif args.command == "vectors":
        vectors(args)
    else:
        print("\n".join(QUERIES))


if __name__ == "__main__":
    main()
