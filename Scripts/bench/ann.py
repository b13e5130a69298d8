#!/usr/bin/env python3
"""The peers of Scripts/bench/ann.sh (a benchmark, not a test): graph indexes from PyPI on the
same vectors and queries as mmsearch's approximate index.

  ann.py hnswlib    --dim D --dir DIR --m M --ef-construction E --efs 64,128,… [--threads T]
  ann.py faiss-hnsw --dim D --dir DIR --m M --ef-construction E --efs 64,128,… [--threads T]
  ann.py report RESULTS.jsonl --target R

DIR holds vectors.f32, queries.f32 and truth.i64 (Scripts/bench/search.py data). Each engine
builds once on T threads (timed, with the memory it adds), then answers every query one at a
time on one thread, three passes after a warm-up, at each search width; one JSON line per width.
Inner product on unit vectors, as mmsearch ranks.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from search import rss_mb  # noqa: E402  (the benchmarks' one measure of resident memory)


def load(args):
    vectors = np.fromfile(os.path.join(args.dir, "vectors.f32"), dtype=np.float32).reshape(-1, args.dim)
    queries = np.fromfile(os.path.join(args.dir, "queries.f32"), dtype=np.float32).reshape(-1, args.dim)
    truth = np.fromfile(os.path.join(args.dir, "truth.i64"), dtype=np.int64).reshape(len(queries), -1)
    return vectors, queries, truth[:, :10]


def measure(search, queries, truth, repeat=3):
    for q in queries:  # warm-up
        search(q)
    latencies, found = [], 0
    for _ in range(repeat):
        for i, q in enumerate(queries):
            start = time.perf_counter()
            rows = search(q)
            latencies.append((time.perf_counter() - start) * 1000)
            found += len(set(int(r) for r in rows) & set(truth[i].tolist()))
    latencies.sort()
    return {"median_ms": latencies[len(latencies) // 2],
            "p99_ms": latencies[min(len(latencies) - 1, int(np.ceil(len(latencies) * 0.99)) - 1)],
            "mean_ms": sum(latencies) / len(latencies),
            "recall": found / (len(queries) * 10 * repeat)}


def run_hnswlib(args):
    import hnswlib
    vectors, queries, truth = load(args)
    before = rss_mb()
    start = time.perf_counter()
    index = hnswlib.Index(space="ip", dim=args.dim)
    index.init_index(max_elements=len(vectors), M=args.m, ef_construction=args.ef_construction, random_seed=1)
    index.set_num_threads(args.threads)
    index.add_items(vectors, np.arange(len(vectors)))
    build = time.perf_counter() - start
    memory = rss_mb() - before
    del vectors
    index.set_num_threads(1)
    for ef in args.efs:
        index.set_ef(max(ef, 10))
        result = measure(lambda q: index.knn_query(q, k=10)[0][0], queries, truth)
        print(json.dumps({"engine": "hnswlib", "width": ef, "build_s": build, "memory_mb": memory, **result}), flush=True)


def run_faiss(args):
    import faiss
    vectors, queries, truth = load(args)
    faiss.omp_set_num_threads(args.threads)
    before = rss_mb()
    start = time.perf_counter()
    index = faiss.IndexHNSWFlat(args.dim, args.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = args.ef_construction
    index.add(vectors)
    build = time.perf_counter() - start
    memory = rss_mb() - before
    del vectors
    faiss.omp_set_num_threads(1)
    for ef in args.efs:
        index.hnsw.efSearch = max(ef, 10)
        result = measure(lambda q: index.search(q.reshape(1, -1), 10)[1][0], queries, truth)
        print(json.dumps({"engine": "faiss hnsw", "width": ef, "build_s": build, "memory_mb": memory, **result}),
              flush=True)


def report(args):
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    engines = []
    for r in rows:
        if r["engine"] not in engines:
            engines.append(r["engine"])
    n = rows[0].get("n", 0)
    print(f"\n{n:,} vectors × 384 (made from real embeddings), one query at a time on one thread, "
          "3 passes after a warm-up; recall@10 against exact f64 search\n")
    print(f"  {'engine':<24}{'width':>7}{'build s':>9}{'memory MB':>11}{'p50 ms':>9}{'p99 ms':>9}{'recall@10':>11}")
    for r in rows:
        width = str(r.get("width", "–"))
        build = f"{r['build_s']:.1f}" if "build_s" in r else "–"
        memory = f"{r['memory_mb']:.0f}" if "memory_mb" in r else "–"
        print(f"  {r['engine']:<24}{width:>7}{build:>9}{memory:>11}"
              f"{r['median_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['recall']:>11.3f}")
    print("\n  build: mmsearch's is the whole load (rows, int8 twin, checksums, catalog and the graph,"
          "\n  linked every 100 000 rows); memory: the peers' resident growth while building, mmsearch's"
          "\n  graph and int8 files (what a walk maps; 40 exact rows are read per query).")
    # At matched recall: each engine's fastest setting that reaches the target.
    best = {}
    for engine in engines:
        reaching = [r for r in rows if r["engine"] == engine and r["recall"] >= args.target]
        if reaching:
            best[engine] = min(reaching, key=lambda r: r["median_ms"])
    print(f"\n  fastest setting of each engine with recall@10 ≥ {args.target}:")
    for engine in engines:
        r = best.get(engine)
        print(f"  {engine:<24}" + (f"width {r.get('width', '–')}: p50 {r['median_ms']:.3f} ms, recall {r['recall']:.3f}"
                                   if r else "never reaches it"))
    ours = best.get("mmsearch graph")
    line = [f"bench-search-ann: n={n}", f"target_recall={args.target}"]
    for engine in engines:
        key = engine.replace(" + ", "_").replace(" ", "_").replace("-", "_")
        if engine in best:
            line += [f"{key}_p50_ms={best[engine]['median_ms']:.3f}", f"{key}_recall={best[engine]['recall']:.3f}"]
        build = next((r["build_s"] for r in rows if r["engine"] == engine and "build_s" in r), None)
        if build is not None:
            line.append(f"{key}_build_s={build:.1f}")
    for peer in ("hnswlib", "faiss hnsw"):
        if ours and peer in best:
            ratio = best[peer]["median_ms"] / ours["median_ms"]
            print(f"  {peer} p50 / mmsearch p50 at matched recall: {ratio:.2f}× (> 1: mmsearch faster)")
            line.append(f"vs_{peer.replace(' ', '_')}={ratio:.2f}")
    print()
    print(" ".join(line))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("hnswlib", "faiss-hnsw"):
        p = sub.add_parser(name)
        p.add_argument("--dim", type=int, required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--m", type=int, default=16)
        p.add_argument("--ef-construction", type=int, default=128)
        p.add_argument("--efs", type=lambda s: [int(x) for x in s.split(",")], required=True)
        p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("report")
    p.add_argument("results")
    p.add_argument("--target", type=float, default=0.98)
    args = parser.parse_args()
    {"hnswlib": run_hnswlib, "faiss-hnsw": run_faiss, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
