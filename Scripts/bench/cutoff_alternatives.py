#!/usr/bin/env python3
"""The cutoff rules measured for `--cutoff auto` and rejected, beside the one kept, from every
query's scores over the whole index (`mmsearch query --json -t 1000`: these indexes are small,
so the "sample" is every file). Run by Scripts/bench/cutoff.sh:

    cutoff_alternatives.py BIN INDEX QRELS [INDEX QRELS …]

Each rule keeps, per query, the results whose score reaches a threshold; printed: the mean F1
of the returned sets (as `mmsearch eval` computes it) for each set, each rule at its best
parameter on each set and at the parameter best over both sets together.

- fixed: one score for every query (a calibration stored at index time is this, one score per
  index: at best the best fixed score of the set, which `auto` has to beat anyway);
- z: median + z · 1.4826 · MAD of the query's scores over the index (a robust z-score);
- z (mean/sd): mean + z · standard deviation;
- z + gap: robust z ≥ z₀ and within δ robust σ of the best result;
- auto (kept): z + gap and a cosine floor, AutomaticCutoff's defaults (3, 1.5, 0.42).
"""
import json, os, statistics, subprocess, sys

def qrels(path):
    root, relevant = os.path.dirname(os.path.abspath(path)), {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        query, rel = line.rstrip("\n").split("\t")
        relevant.setdefault(query, set())
        if rel != "-":
            relevant[query].add(os.path.normpath(os.path.join(root, rel)))
    return relevant

def scores(binary, index, queries):
    out = []
    for query in queries:
        doc = json.loads(subprocess.run([binary, "query", query, "--json", "-t", "1000", "--index", index],
                                        check=True, capture_output=True, text=True).stdout)
        out.append((query, [(r["path"], r["score"]) for r in doc["results"]]))
    return out

def f1(returned, relevant):
    if not returned and not relevant:
        return 1.0
    return 2 * len(returned & relevant) / (len(returned) + len(relevant))

def mean_f1(data, relevant, threshold):
    return sum(f1({p for p, s in ranked[:100] if s >= threshold(ranked)}, relevant[q]) for q, ranked in data) / len(data)

def robust(ranked):
    xs = [s for _, s in ranked]
    m = statistics.median(xs)
    return m, max(1.4826 * statistics.median([abs(x - m) for x in xs]), 1e-6)

def plain(ranked):
    xs = [s for _, s in ranked]
    return statistics.mean(xs), statistics.pstdev(xs)

RULES = {
    "fixed": ([t / 100 for t in range(20, 81, 2)], lambda t: lambda r: t),
    "z": ([x / 4 for x in range(6, 29)], lambda z: lambda r: robust(r)[0] + z * robust(r)[1]),
    "z (mean/sd)": ([x / 4 for x in range(6, 29)], lambda z: lambda r: plain(r)[0] + z * plain(r)[1]),
    "z + gap": ([(z / 2, d / 2) for z in range(5, 10) for d in range(2, 7)],
                lambda p: lambda r: max(robust(r)[0] + p[0] * robust(r)[1], r[0][1] - p[1] * robust(r)[1])),
    "auto (kept)": ([(3.0, 1.5, 0.42)],
                    lambda p: lambda r: max(p[2], robust(r)[0] + p[0] * robust(r)[1], r[0][1] - p[1] * robust(r)[1])),
}

def main():
    binary, pairs = sys.argv[1], sys.argv[2:]
    sets = []
    for index, path in zip(pairs[::2], pairs[1::2]):
        relevant = qrels(path)
        sets.append((os.path.basename(index), scores(binary, index, list(relevant)), relevant))
    names = [name for name, _, _ in sets]
    print("%-13s %s  %s" % ("rule", "  ".join("%-22s" % ("best on " + n) for n in names), "best over both"))
    for rule, (grid, make) in RULES.items():
        table = {p: [mean_f1(data, rel, make(p)) for _, data, rel in sets] for p in grid}
        cells = []
        for i in range(len(sets)):
            p = max(grid, key=lambda p: table[p][i])
            cells.append("%.3f at %-13s" % (table[p][i], p))
        both = max(grid, key=lambda p: sum(table[p]))
        print("%-13s %s  %s at %s" % (rule, "  ".join(cells), " / ".join("%.3f" % x for x in table[both]), both))

main()
