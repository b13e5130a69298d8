#!/usr/bin/env python3
"""Puts a Hugging Face model pack (clip, clap) into the models folder; the worker of
Scripts/fetch-models.sh (see its --help), Python standard library only.

    fetch_hf_pack.py PACK MODELS [--from DIR] [--force]

The pack folder `MODELS/<pack name>/` gets the model's files under their Hugging Face names
and `manifest.json` (sha256 and size of every file, and where they came from). A repository
that has only `pytorch_model.bin` (laion/clap-htsat-unfused) is converted to
`model.safetensors` by Scripts/convert/torchfile.py. The pack is assembled in a temporary folder next
to it and moved into place at the end, so an interrupted run never leaves half a pack.

Exit status: 0 ready, 1 failure (the message says what and how to fix it).
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert"))
from torchfile import ConversionError, read_state_dict, write_safetensors  # noqa: E402

PROG = "fetch-models"
FORMAT = 1


class Pack:
    def __init__(self, arg, name, repo, required, weights, optional):
        self.arg = arg            # what fetch-models.sh is given: clip, clap
        self.name = name          # the pack (and its folder): clip-vit-b32, clap-htsat
        self.repo = repo          # the Hugging Face repository
        self.required = required  # files that must be there (besides the weights)
        self.weights = weights    # accepted weight files, in order of preference
        self.optional = optional  # files taken when they are there


PACKS = {
    "clip": Pack("clip", "clip-vit-b32", "openai/clip-vit-base-patch32",
                 ["config.json", "vocab.json", "merges.txt"],
                 ["model.safetensors"],
                 ["preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
                  "special_tokens_map.json"]),
    "clap": Pack("clap", "clap-htsat", "laion/clap-htsat-unfused",
                 ["config.json", "vocab.json", "merges.txt"],
                 ["model.safetensors", "pytorch_model.bin"],
                 ["preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
                  "special_tokens_map.json"]),
}


class Failure(Exception):
    """A message for the user; exit status 1."""


def say(pack: Pack, text: str) -> None:
    print(f"{pack.arg}: {text}", flush=True)


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def why_not_ready(pack: Pack, dest: str) -> str | None:
    """None when `dest` holds this pack and every file has its manifest's sha256."""
    path = os.path.join(dest, "manifest.json")
    if not os.path.exists(path):
        return "not installed"
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
        files = m["files"]
        if m.get("pack") != pack.name or m.get("format") != FORMAT:
            return "manifest is of another pack or format"
        if not (isinstance(files, dict) and all(isinstance(v, str) for v in files.values())):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "manifest.json is unreadable"
    needed = set(pack.required) | {"model.safetensors"}
    if not needed <= set(files):
        return "manifest lacks " + ", ".join(sorted(needed - set(files)))
    for rel, want in sorted(files.items()):
        try:
            got = sha256_of(os.path.join(dest, rel))
        except OSError:
            return f"{rel} is missing"
        if got != want:
            return f"{rel} is damaged (sha256 mismatch)"
    return None


def check_safetensors(path: str, shown: str) -> None:
    """The file is a safetensors file whose tensors lie inside it."""
    size = os.path.getsize(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise Failure(f"{shown}: not a safetensors file (only {size} bytes)")
            (n,) = struct.unpack("<Q", head)
            if n > min(size - 8, 100 << 20):
                raise Failure(f"{shown}: not a safetensors file (header of {n} bytes)")
            header = json.loads(f.read(n))
    except (ValueError, UnicodeDecodeError):
        raise Failure(f"{shown}: not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise Failure(f"{shown}: not a safetensors file (its header is not an object)")
    data = size - 8 - n
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and 0 <= offsets[0] <= offsets[1] <= data):
            raise Failure(f"{shown}: tensor {name} lies outside the file (truncated download?)")


def offline_help(pack: Pack, endpoint: str, reason: str) -> str:
    # The weight file the repository's main branch has (clap: only pytorch_model.bin).
    files = pack.required + pack.weights[-1:] + pack.optional
    weights = " or ".join(pack.weights)
    return f"""{PROG}: cannot download the {pack.arg} pack ({pack.name}) from {endpoint}: {reason}.
  It needs these files of the Hugging Face model {pack.repo}:
    required:     {", ".join(pack.required)}, {weights}
    if there:     {", ".join(pack.optional)}
  On a machine with network, download them into a folder DIR, either with
    huggingface-cli download {pack.repo} {" ".join(files)} --local-dir DIR
  or file by file from
    {endpoint}/{pack.repo}/resolve/main/FILE
  then copy DIR to this machine and run:
    Scripts/fetch-models.sh {pack.arg} --from DIR
  Behind a proxy: export HTTPS_PROXY=http://proxy:port and run again; a mirror: export HF_ENDPOINT=URL."""


class Offline(Exception):
    pass


def download(url: str, out: str, pack: Pack) -> bool:
    """Downloads `url` to `out`; False on 404 (the file is not in the repository). Network
    failures raise Offline; other HTTP errors Failure."""
    request = urllib.request.Request(url, headers={"User-Agent": "mmsearch-fetch-models/1"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response, open(out, "wb") as f:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            show = sys.stderr.isatty() and total > (8 << 20)
            for chunk in iter(lambda: response.read(1 << 20), b""):
                f.write(chunk)
                done += len(chunk)
                if show:
                    print(f"\r  {os.path.basename(out)}: {done >> 20} / {total >> 20} MB", end="", file=sys.stderr)
            if show:
                print(file=sys.stderr)
            if total and done != total:
                raise Failure(f"{url}: the download stopped at {done} of {total} bytes; run again")
        return True
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        if e.code in (401, 403):
            raise Failure(f"{url}: HTTP {e.code} (the repository needs a login, or the mirror refuses)") from None
        raise Failure(f"{url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
        if isinstance(e, OSError) and e.filename == out:
            raise Failure(f"{out}: {e.strerror}") from None
        reason = getattr(e, "reason", None) or e
        raise Offline(str(reason)) from None


def gather_online(pack: Pack, work: str) -> dict:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    base = f"{endpoint}/{pack.repo}/resolve/main"
    got = {}
    try:
        for rel in pack.required:
            say(pack, f"downloading {rel}")
            if not download(f"{base}/{rel}", os.path.join(work, rel), pack):
                raise Failure(f"{base}/{rel}: not found (404); is {endpoint} a Hugging Face mirror?")
            got[rel] = f"{base}/{rel}"
        for rel in pack.weights:
            say(pack, f"downloading {rel}")
            if download(f"{base}/{rel}", os.path.join(work, rel), pack):
                got[rel] = f"{base}/{rel}"
                break
        else:
            raise Failure(f"{pack.repo} on {endpoint} has none of {', '.join(pack.weights)}")
        for rel in pack.optional:
            if download(f"{base}/{rel}", os.path.join(work, rel), pack):
                got[rel] = f"{base}/{rel}"
    except Offline as e:
        raise Failure(offline_help(pack, endpoint, str(e))) from None
    return got


def gather_local(pack: Pack, src: str, work: str) -> dict:
    missing = [rel for rel in pack.required if not os.path.isfile(os.path.join(src, rel))]
    weights = next((rel for rel in pack.weights if os.path.isfile(os.path.join(src, rel))), None)
    if weights is None:
        missing.append(" or ".join(pack.weights))
    if missing:
        raise Failure(f"--from {src}: {', '.join(missing)} not there (a {pack.arg} folder holds the files of "
                      f"{pack.repo}: {', '.join(pack.required + [' or '.join(pack.weights)])})")
    got = {}
    for rel in pack.required + [weights] + [r for r in pack.optional if os.path.isfile(os.path.join(src, r))]:
        shutil.copyfile(os.path.join(src, rel), os.path.join(work, rel))  # follows snapshot symlinks
        got[rel] = os.path.join(src, rel)
    return got


def assemble(pack: Pack, work: str, got: dict) -> dict:
    """Converts pytorch_model.bin when that is what came, checks the weights; returns sources."""
    sources = {rel: {"from": where} for rel, where in got.items()}
    if "pytorch_model.bin" in got:
        say(pack, "converting pytorch_model.bin to model.safetensors (Scripts/convert/torchfile.py)")
        bin_path = os.path.join(work, "pytorch_model.bin")
        try:
            tensors = read_state_dict(bin_path)
        except ConversionError as e:
            raise Failure(str(e).replace(bin_path, got["pytorch_model.bin"])) from None
        if not tensors:
            raise Failure(f"{got['pytorch_model.bin']}: the state dict holds no tensors")
        write_safetensors(os.path.join(work, "model.safetensors"), tensors, {"format": "pt"})
        os.remove(bin_path)
        sources["model.safetensors"] = {"from": got["pytorch_model.bin"],
                                        "converted_by": "Scripts/convert/torchfile.py"}
        del sources["pytorch_model.bin"]
    check_safetensors(os.path.join(work, "model.safetensors"),
                      sources["model.safetensors"]["from"])
    return sources


def write_manifest(pack: Pack, work: str, sources: dict) -> None:
    files, sizes = {}, {}
    for rel in sorted(sources):
        p = os.path.join(work, rel)
        files[rel] = sha256_of(p)
        sizes[rel] = os.path.getsize(p)
    manifest = {"pack": pack.name, "format": FORMAT, "repository": pack.repo,
                "files": files, "sizes": sizes, "sources": sources}
    with open(os.path.join(work, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def run(pack: Pack, models: str, src: str | None, force: bool) -> None:
    dest = os.path.join(models, pack.name)
    if not force:
        reason = why_not_ready(pack, dest)
        if reason is None:
            say(pack, f"up to date ({dest})")
            return
        say(pack, f"{reason}; fetching into {dest}")
    else:
        say(pack, f"fetching into {dest} (--force)")
    try:
        os.makedirs(models, exist_ok=True)
    except OSError as e:
        raise Failure(f"cannot create {models}: {e.strerror} (set MMSEARCH_MODELS to a writable folder)") from None
    with open(os.path.join(models, f".{pack.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one fetch at a time per models folder
        for leftover in glob.glob(os.path.join(models, f".{pack.name}.tmp.*")):
            shutil.rmtree(leftover, ignore_errors=True)
        if not force and why_not_ready(pack, dest) is None:
            say(pack, f"up to date ({dest}, fetched by another run)")
            return
        work = tempfile.mkdtemp(prefix=f".{pack.name}.tmp.", dir=models)
        try:
            got = gather_local(pack, src, work) if src else gather_online(pack, work)
            write_manifest(pack, work, assemble(pack, work, got))
            old = os.path.join(work, ".old")
            if os.path.lexists(dest):
                os.rename(dest, old)
            os.rename(work, dest)
            shutil.rmtree(os.path.join(dest, ".old"), ignore_errors=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    reason = why_not_ready(pack, dest)
    if reason:
        raise Failure(f"the pack in {dest} does not verify after installing it: {reason} (disk full?)")
    say(pack, f"ready in {dest}")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in PACKS:
        print(f"usage: fetch_hf_pack.py {'|'.join(PACKS)} MODELS [--from DIR] [--force]", file=sys.stderr)
        return 2
    pack, models, rest = PACKS[argv[0]], argv[1], argv[2:]
    src, force = None, False
    while rest:
        if rest[0] == "--from" and len(rest) > 1:
            src, rest = rest[1], rest[2:]
        elif rest[0] == "--force":
            force, rest = True, rest[1:]
        else:
            print(f"{PROG}: unknown argument {rest[0]}", file=sys.stderr)
            return 2
    try:
        if src is not None and not os.path.isdir(src):
            raise Failure(f"--from {src}: no such folder")
        run(pack, models, os.path.abspath(src) if src else None, force)
    except Failure as e:
        text = str(e)
        print(text if text.startswith(PROG) else f"{PROG}: {text}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{PROG}: {e.filename or models}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
