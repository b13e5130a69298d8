#!/usr/bin/env python3
"""The Python half of Scripts/bench/search.sh (a benchmark, not a test).

  search.py data  --n N --dim D --queries Q --out DIR   vectors.f32, queries.f32, truth.i64
                  [--clusters C | --real E.f32]         (see make_clustered_data, make_real_data)
  search.py faiss --dim D --k K --dir DIR --threads T   FAISS IndexFlatIP timings, one JSON line
  search.py tree  --files N --out DIR                   a folder of N small text files
  search.py report RESULTS.jsonl                        the table, with ratios

Vectors are unit vectors with independent N(0, 1) components (seeded). Half the queries are
random unit vectors; the other half are stored vectors plus noise (0.3 of a random unit
vector, renormalised), as "more like this" queries are. The true neighbours are computed in
float64 from the float32 vectors: f32 exact search, without rounding ties.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

CHUNK = 100_000


def unit(rows):
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def make_data(args):
    if args.real:
        return make_real_data(args)
    if args.clusters:
        return make_clustered_data(args)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20240601 + args.dim)
    picks = rng.choice(args.n, size=args.queries // 2, replace=False)
    picked = {}
    with open(os.path.join(args.out, "vectors.f32"), "wb") as f:
        for start in range(0, args.n, CHUNK):
            block = unit(rng.standard_normal((min(CHUNK, args.n - start), args.dim)))
            block.tofile(f)
            for p in picks[(picks >= start) & (picks < start + len(block))]:
                picked[int(p)] = block[p - start].copy()
    noise = unit(rng.standard_normal((len(picks), args.dim)))
    near = unit(np.stack([picked[int(p)] for p in picks]) + 0.3 * noise)
    far = unit(rng.standard_normal((args.queries - len(picks), args.dim)))
    queries = np.concatenate([near, far]).astype(np.float32)
    queries.tofile(os.path.join(args.out, "queries.f32"))
    write_truth(args, queries)


def make_clustered_data(args):
    """Vectors with neighbourhoods, as embeddings have (random Gaussian vectors have none and
    flatter every exact scan and hurt every graph): a shared direction m (embeddings are
    anisotropic), `clusters` centres c_j = unit(0.6 m + r_j), and each vector
    unit(c_j + 0.9 g) with j uniform and g a random unit vector (cosine to its centre about
    0.74, to a vector of its cluster about 0.55, to one of another cluster about 0.25). Queries:
    half are stored vectors plus 0.3 of a random unit vector ("more like this"), half are
    centres plus 0.9 of one (a description of a kind of thing). All seeded."""
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20241205 + args.dim)
    shared = unit(rng.standard_normal((1, args.dim)))[0]
    centres = unit(0.6 * shared + unit(rng.standard_normal((args.clusters, args.dim))))
    picks = rng.choice(args.n, size=args.queries // 2, replace=False)
    picked = {}
    with open(os.path.join(args.out, "vectors.f32"), "wb") as f:
        for start in range(0, args.n, CHUNK):
            count = min(CHUNK, args.n - start)
            members = rng.integers(0, args.clusters, size=count)
            block = unit(centres[members] + 0.9 * unit(rng.standard_normal((count, args.dim))))
            block.tofile(f)
            for p in picks[(picks >= start) & (picks < start + count)]:
                picked[int(p)] = block[p - start].copy()
    near = unit(np.stack([picked[int(p)] for p in picks]) + 0.3 * unit(rng.standard_normal((len(picks), args.dim))))
    kinds = centres[rng.integers(0, args.clusters, size=args.queries - len(picks))]
    described = unit(kinds + 0.9 * unit(rng.standard_normal((len(kinds), args.dim))))
    queries = np.concatenate([near, described]).astype(np.float32)
    queries.tofile(os.path.join(args.out, "queries.f32"))
    write_truth(args, queries)


def make_real_data(args):
    """Vectors made from real embeddings (`--real E.f32`: unit rows of dimension `dim`, such as
    `mmsearch-bench embed-texts` writes for Debian's 60 000 package descriptions), so the
    neighbourhoods are those of a real embedding space at every scale, not only the one scale
    that synthetic clusters have. Seeded:
      - `queries` real rows, drawn at random, are held out as the queries (new texts, never stored);
      - the other real rows are stored as they are, and each one's 16 nearest real neighbours found;
      - the remaining n - R vectors are unit((1 - t) e_a + t e_b + 0.2 g): a real row a drawn
        uniformly, b one of its 16 neighbours, t uniform in [0, 0.5), g a random unit vector
        (points near each real embedding and along the edges towards its neighbours: more
        items about the same things, as a large library has)."""
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20241206 + args.dim)
    real = np.fromfile(args.real, dtype=np.float32).reshape(-1, args.dim)
    real = unit(real.astype(np.float64))
    order = rng.permutation(len(real))
    queries, base = real[order[:args.queries]], real[order[args.queries:]]
    if len(base) > args.n:
        base = base[:args.n]
    neighbours = np.zeros((len(base), 16), dtype=np.int64)
    for start in range(0, len(base), 4096):
        scores = base[start:start + 4096] @ base.T
        rows = np.arange(start, start + len(scores))
        scores[np.arange(len(scores)), rows] = -np.inf
        top = np.argpartition(-scores, 16, axis=1)[:, :16]
        neighbours[start:start + len(scores)] = top
    with open(os.path.join(args.out, "vectors.f32"), "wb") as f:
        base.tofile(f)
        for start in range(len(base), args.n, CHUNK):
            count = min(CHUNK, args.n - start)
            a = rng.integers(0, len(base), size=count)
            b = neighbours[a, rng.integers(0, 16, size=count)]
            t = rng.uniform(0, 0.5, size=(count, 1)).astype(np.float32)
            g = unit(rng.standard_normal((count, args.dim)))
            unit((1 - t) * base[a] + t * base[b] + 0.2 * g).tofile(f)
    queries.tofile(os.path.join(args.out, "queries.f32"))
    write_truth(args, queries)


def write_truth(args, queries):
    # True top-k in float64, chunk by chunk.
    k = args.k
    best_scores = np.full((len(queries), k), -np.inf)
    best_rows = np.zeros((len(queries), k), dtype=np.int64)
    q64 = queries.astype(np.float64)
    vectors = np.memmap(os.path.join(args.out, "vectors.f32"), dtype=np.float32, mode="r").reshape(-1, args.dim)
    for start in range(0, args.n, CHUNK):
        scores = q64 @ vectors[start:start + CHUNK].astype(np.float64).T
        rows = np.arange(start, start + scores.shape[1])
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_rows = np.concatenate([best_rows, np.broadcast_to(rows, scores.shape)], axis=1)
        order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(all_scores, order, axis=1)
        best_rows = np.take_along_axis(all_rows, order, axis=1)
    best_rows.astype(np.int64).tofile(os.path.join(args.out, "truth.i64"))


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_faiss(args):
    import faiss

    faiss.omp_set_num_threads(args.threads)
    queries = np.fromfile(os.path.join(args.dir, "queries.f32"), dtype=np.float32).reshape(-1, args.dim)
    truth = np.fromfile(os.path.join(args.dir, "truth.i64"), dtype=np.int64).reshape(len(queries), -1)
    before = rss_mb()
    start = time.perf_counter()
    index = faiss.IndexFlatIP(args.dim)
    vectors = np.memmap(os.path.join(args.dir, "vectors.f32"), dtype=np.float32, mode="r").reshape(-1, args.dim)
    for s in range(0, len(vectors), CHUNK):
        index.add(np.ascontiguousarray(vectors[s:s + CHUNK]))
    del vectors
    build = time.perf_counter() - start
    for i in range(len(queries)):  # warm-up
        index.search(queries[i:i + 1], args.k)
    latencies = []
    found = 0
    for _ in range(args.repeat):
        for i in range(len(queries)):
            t = time.perf_counter()
            _, rows = index.search(queries[i:i + 1], args.k)
            latencies.append((time.perf_counter() - t) * 1000)
            found += len(set(rows[0].tolist()) & set(truth[i].tolist()))
    latencies.sort()
    print(json.dumps({
        "build_s": build, "rss_index_mb": rss_mb() - before,
        "mean_ms": sum(latencies) / len(latencies), "median_ms": latencies[len(latencies) // 2],
        "recall": found / (len(queries) * args.k * args.repeat),
    }))


def make_tree(args):
    words = ("river mountain city coffee garden music winter letter engine forest harbor lamp "
             "window bread chess violin desert market island bridge candle meadow rocket").split()
    rng = np.random.default_rng(7)
    for i in range(args.files):
        folder = os.path.join(args.out, f"d{i // 100:03d}")
        os.makedirs(folder, exist_ok=True)
        text = " ".join(rng.choice(words, size=8)) + f" note {i}.\n"
        with open(os.path.join(folder, f"n{i:05d}.txt"), "w") as f:
            f.write(text)


def report(args):
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    configs = sorted({(r["n"], r["dim"]) for r in rows})
    for n, dim in configs:
        mine = [r for r in rows if (r["n"], r["dim"]) == (n, dim)]
        faiss_rows = {r["threads"]: r for r in mine if r["engine"].startswith("faiss")}
        print(f"\n{n:,} vectors, {dim}-d")
        best = min((r["mean_ms"] for r in faiss_rows.values()), default=None)
        print(f"  {'engine':<28}{'threads':>8}{'open ms':>9}{'RSS MB':>9}{'mean ms':>9}{'median':>9}"
              f"{'recall@10':>10}{'rescored':>9}{'vs FAISS':>9}{'vs best':>9}")
        for r in mine:
            base = faiss_rows.get(r["threads"])
            ours = not r["engine"].startswith("faiss")
            ratio = f"{base['mean_ms'] / r['mean_ms']:.2f}x" if base and ours else ""
            ratio_best = f"{best / r['mean_ms']:.2f}x" if best and ours else ""
            open_ms = f"{r['open_ms']:.1f}" if "open_ms" in r else ""
            rss = r.get("rss_after_mb", r.get("rss_index_mb", 0))
            rescored = f"{r['rescored_per_query']:.0f}" if "rescored_per_query" in r else ""
            print(f"  {r['engine']:<28}{r['threads']:>8}{open_ms:>9}{rss:>9.0f}{r['mean_ms']:>9.2f}"
                  f"{r['median_ms']:>9.2f}{r['recall']:>10.4f}{rescored:>9}{ratio:>9}{ratio_best:>9}")
    print("\n  vs FAISS: FAISS IndexFlatIP mean latency / ours at the same thread count (>1 = faster);"
          "\n  vs best: the faster of FAISS's 1- and 2-thread runs / ours. Latency is per query"
          "\n  (one query at a time), after one warm-up pass; RSS is after the searches; open is"
          "\n  IndexReader's construction in a fresh process; recall@10 is against exact f32 search.")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("data")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--clusters", type=int, default=0,
                   help="vectors in this many clusters around a shared direction (0: independent Gaussian)")
    p.add_argument("--real", help="make the vectors from these real embeddings (f32 rows of --dim)")
    p.add_argument("--out", required=True)
    p = sub.add_parser("faiss")
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1)
    p = sub.add_parser("tree")
    p.add_argument("--files", type=int, default=10_000)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("results")
    args = parser.parse_args()
    {"data": make_data, "faiss": run_faiss, "tree": make_tree, "report": report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
