#!/usr/bin/env bash
# Measurement (not a test) of `--cutoff auto`: on two labelled sets, the precision, recall and F1
# of the set of results each query returns (`mmsearch eval`, mean over queries), for `--cutoff
# auto` against every fixed `--min-score` from 0.20 to 0.80 in steps of 0.02, the best of which
# (by F1, chosen on the set itself: an oracle a user does not have) is the one to beat:
#
#   - Media/ with Tests/Fixtures/lite/media-qrels.tsv (32 queries, one relevant photo each);
#   - the Tux Paint set of Scripts/fixtures/make_cutoff_set.sh (290 photos, 46 queries: 11 with
#     5–35 relevant files, 25 with 1–3, 10 with none), built under ~/.cache/mmsearch/cutoff-set
#     when missing.
#
# Then the alternatives that were measured and rejected (Scripts/bench/cutoff_alternatives.py,
# from every query's scores over the whole index). Ends with one line `bench-cutoff: …`.
#
#   Scripts/bench/cutoff.sh [BIN]        (default: the release build in .build-tests)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="${1:-$(swift build -c release --scratch-path .build-tests --show-bin-path)/mmsearch}"
SET="$HOME/.cache/mmsearch/cutoff-set"
[ -f "$SET/qrels.tsv" ] || bash "$ROOT/Scripts/fixtures/make_cutoff_set.sh" "$SET"
WORK="${TMPDIR:-/tmp}/mmsearch-bench-cutoff"
rm -rf "$WORK"
mkdir -p "$WORK"
"$BIN" index Media --index "$WORK/media" >/dev/null
"$BIN" index "$SET/images" --index "$WORK/tux" >/dev/null

# mean F1 etc. of one eval run: "precision recall f1 returned"
measure() { # INDEX QRELS ARGS…
    local index="$1" qrels="$2"; shift 2
    "$BIN" eval --qrels "$qrels" --index "$index" --top 100 --json "$@" |
        python3 -c 'import json,sys; m=json.load(sys.stdin)["mean"]; print("%.3f %.3f %.3f %.1f" % (m["precision"], m["recall"], m["f1"], m["returned"]))'
}

SUMMARY=""
for name in media tux; do
    if [ "$name" = media ]; then qrels="$ROOT/Tests/Fixtures/lite/media-qrels.tsv"; else qrels="$SET/qrels.tsv"; fi
    index="$WORK/$name"
    best_f1=-1 best_line=""
    for step in $(seq 10 40); do
        t="$(printf '0.%02d' $((step * 2)))"
        read -r p r f n < <(measure "$index" "$qrels" --min-score "$t")
        if awk -v a="$f" -v b="$best_f1" 'BEGIN { exit !(a > b) }'; then best_f1="$f" best_line="$t $p $r $f $n"; fi
    done
    read -r bt bp br bf bn <<<"$best_line"
    read -r ap ar af an < <(measure "$index" "$qrels" --cutoff auto)
    read -r np nr nf nn < <(measure "$index" "$qrels" --cutoff none --top 10)
    echo "== $name ($qrels)"
    printf '%-28s %9s %6s %6s %9s\n' "" precision recall F1 returned
    printf '%-28s %9s %6s %6s %9s\n' "top 10, no cutoff" "$np" "$nr" "$nf" "$nn"
    printf '%-28s %9s %6s %6s %9s\n' "best fixed --min-score $bt" "$bp" "$br" "$bf" "$bn"
    printf '%-28s %9s %6s %6s %9s\n' "--cutoff auto" "$ap" "$ar" "$af" "$an"
    SUMMARY="$SUMMARY $name auto F1 $af vs best fixed $bf (--min-score $bt);"
done

echo "== alternatives (every query's scores over the whole index)"
python3 "$ROOT/Scripts/bench/cutoff_alternatives.py" "$BIN" \
    "$WORK/media" "$ROOT/Tests/Fixtures/lite/media-qrels.tsv" "$WORK/tux" "$SET/qrels.tsv"
echo "bench-cutoff:${SUMMARY%;}"
