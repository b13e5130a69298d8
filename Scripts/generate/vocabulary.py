#!/usr/bin/env python3
"""Writes the built-in vocabulary of `mmsearch describe`: a few thousand common English nouns
and noun phrases for things one can see or hear, to
Sources/MMSearchKit/Describe/Resources/vocabulary.txt (a resource of the MMSearchKit module,
read at run time; one entry per line after `#` comments, see list_file.py).

Sources (Debian packages, fetched with `apt-get download`, unpacked with `dpkg-deb -x`; no
root needed, nothing installed):
  - wamerican-small (SCOWL word list, sizes 10-35, common words: permissive licence, see its
    copyright file): every word of the vocabulary must be in it;
  - wordnet-base (WordNet 3.0, Princeton WordNet licence, permissive): which words are nouns,
    what kind of thing their senses are (lexicographer file), and how often each sense occurs
    in the SemCor corpus (cntlist.rev).

Rule: a WordNet noun lemma (a word in wamerican-small, SCOWL's common words; or a collocation
such as "fire engine" of such words that occurs in SemCor) is kept when its most frequent sense
is a concrete kind of thing (animal, artifact, body, food, natural object, phenomenon, plant,
substance) not marked as disparaging, an ethnic slur, obscene or vulgar; of the nouns for
people only a short list of neutral ones (PEOPLE) is kept. Lemmas are ranked by their SemCor
count over their concrete senses (a collocation must have one), and all are kept,
alphabetically.

    python3 Scripts/generate/vocabulary.py            # needs apt-get download (network to the Debian mirror)
    python3 Scripts/generate/vocabulary.py --from DIR # DIR holds the two .deb files already
"""
import argparse
import collections
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import list_file  # noqa: E402

PACKAGES = {"wamerican-small": "2020.12.07-2", "wordnet-base": "1:3.0-37"}
ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Sources/MMSearchKit/Describe/Resources/vocabulary.txt"

# WordNet lexicographer files (lexnames(5WN)) of concrete things.
CONCRETE = {5: "animal", 6: "artifact", 8: "body", 13: "food", 17: "object", 18: "person",
            19: "phenomenon", 20: "plant", 27: "substance"}
# People are described by what one sees, never by role, faith, origin or standing: of the
# person nouns only these are kept.
PEOPLE = {"person", "man", "woman", "child", "boy", "girl", "baby", "kid", "old man",
          "old woman", "player", "worker", "soldier", "policeman", "farmer", "cook", "dancer",
          "rider", "swimmer", "runner", "musician", "singer", "driver", "fisherman", "crowd"}
# Usage domains whose members are left out.
EXCLUDED_USAGE = {"disparagement", "ethnic_slur", "obscenity", "vulgarism"}


def unpack(debs: pathlib.Path, into: pathlib.Path) -> None:
    for name in PACKAGES:
        found = sorted(debs.glob(f"{name}_*.deb"))
        if not found:
            sys.exit(f"{name}_*.deb not found in {debs}")
        subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(into)], check=True)


def fetch(into: pathlib.Path) -> None:
    specs = [f"{name}={version}" for name, version in PACKAGES.items()]
    subprocess.run(["apt-get", "download", *specs], cwd=into, check=True)


def read_data(data_noun: pathlib.Path):
    """Per noun synset offset: its lexicographer file number, and whether it has a usage-domain
    pointer to an excluded domain."""
    lexfile = {}
    domains = set()
    usage = {}
    for line in data_noun.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split(" ")
        offset, word_count = fields[0], int(fields[3], 16)
        lexfile[offset] = int(fields[1])
        if any(fields[4 + 2 * i].lower() in EXCLUDED_USAGE for i in range(word_count)):
            domains.add(offset)
        usage[offset] = [fields[i + 1] for i, f in enumerate(fields) if f == ";u"]
    excluded = {o for o, targets in usage.items() if any(t in domains for t in targets)}
    return lexfile, excluded


def read_index(index_noun: pathlib.Path) -> dict:
    """lemma -> synset offsets of its noun senses, most frequent first."""
    result = {}
    for line in index_noun.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split()
        lemma, synsets, pointers = fields[0], int(fields[2]), int(fields[3])
        result[lemma] = fields[4 + pointers + 2:][:synsets]
    return result


def read_counts(cntlist: pathlib.Path) -> collections.Counter:
    """lemma -> SemCor count of its noun senses in concrete lexicographer files."""
    counts = collections.Counter()
    for line in cntlist.read_text(encoding="latin-1").splitlines():
        key, _, count = line.split(" ")
        lemma, _, lex = key.partition("%")
        ss_type, lexfile = lex.split(":")[:2]
        if ss_type == "1" and int(lexfile) in CONCRETE:
            counts[lemma] += int(count)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="debs", type=pathlib.Path,
                        help="folder holding the wamerican-small and wordnet-base .deb files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        debs = args.debs
        if debs is None:
            debs = tmp / "debs"
            debs.mkdir()
            fetch(debs)
        root = tmp / "root"
        unpack(debs, root)
        dictionary = set((root / "usr/share/dict/american-english-small").read_text(encoding="utf-8").split("\n"))
        wordnet = root / "usr/share/wordnet"
        lexfile, excluded = read_data(wordnet / "data.noun")
        senses = read_index(wordnet / "index.noun")
        counts = read_counts(wordnet / "cntlist.rev")

    def spelled(lemma: str) -> bool:
        return all(w in dictionary and w.isalpha() and w.islower() for w in lemma.split("_"))

    candidates = []
    for lemma, offsets in senses.items():
        first = lexfile[offsets[0]]
        phrase = "_" in lemma
        if first not in CONCRETE or not spelled(lemma) or offsets[0] in excluded:
            continue
        if first == 18 and lemma.replace("_", " ") not in PEOPLE:
            continue
        if phrase and counts[lemma] < 1:
            continue
        candidates.append(lemma.replace("_", " "))
    chosen = sorted(set(candidates))
    wordnet = PACKAGES["wordnet-base"].split(":")[-1]
    list_file.write(OUT, [
        f"""The built-in vocabulary of `mmsearch describe`: {len(chosen)} common concrete English nouns
        and noun phrases (animals, artifacts, food, plants, natural objects, …), alphabetical, one
        per line. Generated by Scripts/generate/vocabulary.py (the rule is there) from Debian's
        wamerican-small {PACKAGES["wamerican-small"]} (SCOWL) and wordnet-base {wordnet} (WordNet
        3.0, Copyright 2006 by Princeton University).""",
        "Do not edit: run the script again."], chosen)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(chosen)} words)")


if __name__ == "__main__":
    main()
