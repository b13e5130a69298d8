"""Reading `torch.save` files and writing safetensors, with the Python standard library only.

Shared by Scripts/convert/efficientnet.py (the lite pack's EfficientNet-Lite0, a legacy file)
and Scripts/convert/torch_checkpoint.py (any state dict, such as laion/clap-htsat-unfused's
`pytorch_model.bin`, a zip file). No torch, no numpy: this runs at setup on users' machines.

Two formats, as torch/serialization.py reads them:

*Legacy* (`_legacy_load`, torch < 1.6 and `_use_new_zipfile_serialization=False`):

    pickle  MAGIC_NUMBER            (0x1950a86a20f9469cfc6c)
    pickle  PROTOCOL_VERSION        (1001)
    pickle  sys_info                ({'little_endian': True, ...})
    pickle  the object              (tensors are `_rebuild_tensor_v2(storage, offset, size,
                                     stride, ...)`, storages are persistent ids
                                     ('storage', StorageType, key, location, numel, view))
    pickle  list of storage keys    (the order of the raw storages below)
    for each key: int64 little-endian element count, then count * element_size raw bytes

*Zip* (`_load`, the default since torch 1.6): a zip archive whose records all sit in one
top folder (`archive/`, or the file's stem):

    <top>/data.pkl        the object; storages are persistent ids
                          ('storage', StorageType, key, location, numel): no views
    <top>/data/<key>      each storage's raw bytes (numel * element_size)
    <top>/byteorder       "little" or "big" (absent in old files: little)
    <top>/version, .format_version, .storage_alignment, .data/…   (not needed)

Everything is validated: a malformed or truncated file, an unexpected pickle global, an
out-of-bounds view or stride is a ConversionError naming the file and the reason, never a
traceback or a half-written output.
"""
from __future__ import annotations

import collections
import json
import math
import os
import pickle
import struct
import sys
import zipfile
from dataclasses import dataclass
from zlib import error as zlib_error

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

# Storage classes of the legacy format: element size and safetensors dtype name.
STORAGE_TYPES = {
    "FloatStorage": (4, "F32"),
    "DoubleStorage": (8, "F64"),
    "HalfStorage": (2, "F16"),
    "BFloat16Storage": (2, "BF16"),
    "LongStorage": (8, "I64"),
    "IntStorage": (4, "I32"),
    "ShortStorage": (2, "I16"),
    "CharStorage": (1, "I8"),
    "ByteStorage": (1, "U8"),
    "BoolStorage": (1, "BOOL"),
}


class ConversionError(Exception):
    """A problem with the input file; the message names the file and the reason."""


@dataclass(frozen=True)
class StorageType:
    name: str
    element_size: int
    dtype: str


@dataclass(frozen=True)
class StorageRef:
    """A (view of a) root storage: elements [offset, offset + numel) of root `key`."""
    key: str
    stype: StorageType
    offset: int
    numel: int


@dataclass(frozen=True)
class TensorRef:
    storage: StorageRef
    offset: int
    shape: tuple
    stride: tuple


@dataclass(frozen=True)
class Tensor:
    """A dense row-major tensor: raw little-endian bytes (or a view of them)."""
    dtype: str
    shape: tuple
    data: bytes | memoryview


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _StateDictUnpickler(pickle.Unpickler):
    """Builds only plain data, OrderedDicts and tensor references; refuses any other global.

    `zip_format`: storages are ('storage', type, key, location, numel) (no views) instead of
    the legacy ('storage', type, key, location, numel, view)."""

    def __init__(self, file, path: str, roots: dict, zip_format: bool = False):
        super().__init__(file, encoding="utf-8")
        self._path = path
        self._roots = roots  # key -> (StorageType, numel), shared across the file
        self._zip = zip_format

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return self._rebuild_parameter
        if module == "torch" and name in STORAGE_TYPES:
            size, dtype = STORAGE_TYPES[name]
            return StorageType(name, size, dtype)
        raise ConversionError(f"{self._path}: unexpected pickle global {module}.{name} "
                              "(not a plain state_dict of tensors)")

    def _rebuild_tensor_v2(self, storage, storage_offset, size, stride,
                           requires_grad=False, backward_hooks=None, metadata=None):
        if not isinstance(storage, StorageRef):
            raise ConversionError(f"{self._path}: tensor without a storage")
        if not (_is_int(storage_offset) and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) and all(map(_is_int, size + stride))):
            raise ConversionError(f"{self._path}: malformed tensor header "
                                  f"(offset {storage_offset!r}, size {size!r}, stride {stride!r})")
        if metadata:
            raise ConversionError(f"{self._path}: tensor with metadata {metadata!r} (conj/neg "
                                  "bits) is not supported")
        return TensorRef(storage, storage_offset, size, stride)

    def _rebuild_parameter(self, data, requires_grad=False, backward_hooks=None):
        if not isinstance(data, TensorRef):
            raise ConversionError(f"{self._path}: a parameter without a tensor")
        return data

    def persistent_load(self, pid):
        size = 5 if self._zip else 6
        if not (isinstance(pid, tuple) and len(pid) == size and pid[0] == "storage"):
            raise ConversionError(f"{self._path}: unexpected persistent id {pid!r}")
        _, stype, key, location, numel = pid[:5]
        view = None if self._zip else pid[5]
        if not (isinstance(stype, StorageType) and isinstance(key, str)
                and isinstance(location, str) and _is_int(numel) and numel >= 0):
            raise ConversionError(f"{self._path}: malformed storage record {pid!r}")
        known = self._roots.setdefault(key, (stype, numel))
        if known != (stype, numel):
            raise ConversionError(f"{self._path}: storage {key} declared twice with different "
                                  f"types or sizes ({known} and {(stype, numel)})")
        if view is None:
            return StorageRef(key, stype, 0, numel)
        if not (isinstance(view, tuple) and len(view) == 3 and _is_int(view[1])
                and _is_int(view[2])):
            raise ConversionError(f"{self._path}: malformed storage view {view!r}")
        _, offset, view_numel = view
        if offset < 0 or view_numel < 0 or offset + view_numel > numel:
            raise ConversionError(f"{self._path}: storage view [{offset}, {offset + view_numel}) "
                                  f"outside storage {key} of {numel} elements")
        return StorageRef(key, stype, offset, view_numel)


class _PlainUnpickler(pickle.Unpickler):
    """For the header records and the key list: plain data only."""

    def __init__(self, file, path: str):
        super().__init__(file, encoding="utf-8")
        self._path = path

    def find_class(self, module, name):
        raise ConversionError(f"{self._path}: unexpected pickle global {module}.{name} "
                              "in a header record")

    def persistent_load(self, pid):
        raise ConversionError(f"{self._path}: unexpected persistent id in a header record")


class _Reader:
    """A bounds-checked cursor over the file's bytes."""

    def __init__(self, data: bytes, path: str):
        self.data = data
        self.view = memoryview(data)
        self.pos = 0
        self.path = path

    def pickle(self, what: str, unpickler=None):
        """Unpickles the next object (plain data unless `unpickler` makes another reader)."""
        stream = _BytesCursor(self)
        try:
            if unpickler is None:
                obj = _PlainUnpickler(stream, self.path).load()
            else:
                obj = unpickler(stream).load()
        except ConversionError:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
                IndexError, AttributeError, struct.error, RecursionError, MemoryError) as e:
            raise ConversionError(f"{self.path}: cannot read {what} at byte {self.pos}: "
                                  f"{type(e).__name__}: {e}") from None
        return obj

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ConversionError(f"{self.path}: truncated: {what} needs {n} bytes at byte "
                                  f"{self.pos}, file has {len(self.data)}")
        out = self.view[self.pos:self.pos + n]
        self.pos += n
        return out


class _BytesCursor:
    """File-like object that the unpickler reads from, advancing the shared _Reader."""

    def __init__(self, reader: _Reader):
        self.r = reader

    def read(self, n: int = -1) -> bytes:
        r = self.r
        end = len(r.data) if n is None or n < 0 else min(len(r.data), r.pos + n)
        out = r.data[r.pos:end]
        r.pos = end
        return out

    def readinto(self, buf) -> int:
        chunk = self.read(len(buf))
        buf[:len(chunk)] = chunk
        return len(chunk)

    def readline(self) -> bytes:
        r = self.r
        nl = r.data.find(b"\n", r.pos)
        end = len(r.data) if nl < 0 else nl + 1
        out = r.data[r.pos:end]
        r.pos = end
        return out

    def peek(self, n: int = 1) -> bytes:
        return self.r.data[self.r.pos:self.r.pos + max(n, 1)]


def read_legacy_state_dict(path: str) -> "collections.OrderedDict[str, Tensor]":
    """Reads a legacy torch.save file holding a dict of tensors; returns dense tensors."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConversionError(f"{path}: cannot read: {e.strerror}") from None
    if data[:4] == b"PK\x03\x04":
        raise ConversionError(f"{path}: a zip-format torch.save file (torch >= 1.6), not the "
                              "legacy format (read_state_dict reads both)")
    if len(data) > 262 and data[257:262] == b"ustar":
        raise ConversionError(f"{path}: a tar-format torch.save file (torch < 0.4) is not supported")
    if len(data) < 2 or data[0] != 0x80:
        raise ConversionError(f"{path}: not a torch.save file (no pickle header)")

    r = _Reader(data, path)
    magic = r.pickle("the magic number")
    if magic != MAGIC_NUMBER:
        raise ConversionError(f"{path}: wrong magic number {magic!r}: not a legacy torch.save file")
    version = r.pickle("the protocol version")
    if version != PROTOCOL_VERSION:
        raise ConversionError(f"{path}: unsupported protocol version {version!r} "
                              f"(expected {PROTOCOL_VERSION})")
    sys_info = r.pickle("the system info")
    if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
        raise ConversionError(f"{path}: written on a big-endian machine or without system info "
                              f"({sys_info!r}); not supported")

    roots: dict = {}
    obj = r.pickle("the state dict", lambda stream: _StateDictUnpickler(stream, path, roots))
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: the saved object is a {type(obj).__name__}, "
                              "not a dict of tensors")
    keys = r.pickle("the storage key list")
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise ConversionError(f"{path}: malformed storage key list")
    if len(set(keys)) != len(keys) or set(keys) != set(roots):
        raise ConversionError(f"{path}: the storage key list ({len(keys)} keys) does not match "
                              f"the storages the tensors use ({len(roots)})")

    # The raw storages, in key-list order, each preceded by its element count.
    blobs: dict[str, memoryview] = {}
    for key in keys:
        stype, numel = roots[key]
        (count,) = struct.unpack("<q", r.take(8, f"the element count of storage {key}"))
        if count != numel:
            raise ConversionError(f"{path}: storage {key} has {count} elements on disk, "
                                  f"the pickle says {numel}")
        blobs[key] = r.take(count * stype.element_size, f"storage {key}")
    if r.pos != len(data):
        raise ConversionError(f"{path}: {len(data) - r.pos} unexpected bytes after the last storage")

    return _tensors(path, obj, blobs.__getitem__)


def _tensors(path: str, obj, blob_of) -> "collections.OrderedDict[str, Tensor]":
    """The dense tensors of a state dict whose storages `blob_of(key)` returns."""
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: the saved object is a {type(obj).__name__}, "
                              "not a dict of tensors")
    out = collections.OrderedDict()
    for name, ref in obj.items():
        if not isinstance(name, str) or not isinstance(ref, TensorRef):
            raise ConversionError(f"{path}: entry {name!r} is not a tensor")
        out[name] = _dense(path, name, ref, blob_of(ref.storage.key))
    return out


def read_zip_state_dict(path: str) -> "collections.OrderedDict[str, Tensor]":
    """Reads a zip-format torch.save file holding a dict of tensors; returns dense tensors."""
    try:
        archive = zipfile.ZipFile(path)
    except OSError as e:
        raise ConversionError(f"{path}: cannot read: {e.strerror}") from None
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise ConversionError(f"{path}: not a readable zip file: {e}") from None
    with archive:
        names = archive.namelist()
        tops = {n.split("/", 1)[0] for n in names if n.endswith("/data.pkl") and n.count("/") == 1}
        if len(tops) != 1:
            raise ConversionError(f"{path}: not a torch.save zip file (expected one <folder>/data.pkl, "
                                  f"found {len(tops)})")
        top = tops.pop()

        def record(name: str, what: str) -> bytes:
            try:
                return archive.read(f"{top}/{name}")
            except KeyError:
                raise ConversionError(f"{path}: {what} ({top}/{name}) is missing") from None
            except (zipfile.BadZipFile, zlib_error, OSError, EOFError, ValueError,
                    NotImplementedError) as e:
                raise ConversionError(f"{path}: cannot read {top}/{name}: {e}") from None

        if f"{top}/byteorder" in names:
            order = record("byteorder", "the byte order")
            if order != b"little":
                raise ConversionError(f"{path}: byte order {order[:16]!r}: only little-endian files "
                                      "are supported")
        roots: dict = {}
        r = _Reader(record("data.pkl", "the pickle"), path)
        obj = r.pickle("the state dict", lambda s: _StateDictUnpickler(s, path, roots, zip_format=True))
        if r.pos != len(r.data):
            raise ConversionError(f"{path}: {len(r.data) - r.pos} unexpected bytes after the pickle")
        blobs: dict[str, memoryview] = {}

        def blob_of(key: str) -> memoryview:
            if key not in blobs:
                stype, numel = roots[key]
                data = record(f"data/{key}", f"storage {key}")
                if len(data) != numel * stype.element_size:
                    raise ConversionError(f"{path}: storage {key} holds {len(data)} bytes, the pickle "
                                          f"says {numel} elements of {stype.element_size}")
                blobs[key] = memoryview(data)
            return blobs[key]

        return _tensors(path, obj, blob_of)


def read_state_dict(path: str) -> "collections.OrderedDict[str, Tensor]":
    """Reads a torch.save file of either format holding a dict of tensors."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ConversionError(f"{path}: cannot read: {e.strerror}") from None
    return read_zip_state_dict(path) if magic == b"PK\x03\x04" else read_legacy_state_dict(path)


def _dense(path: str, name: str, t: TensorRef, blob: memoryview) -> Tensor:
    """Gathers a (possibly strided) view into a row-major buffer, checking every bound."""
    s = t.storage
    if any(d < 0 for d in t.shape) or any(st < 0 for st in t.stride) or t.offset < 0:
        raise ConversionError(f"{path}: tensor {name}: negative size, stride or offset")
    numel = math.prod(t.shape)
    if numel > 0:
        last = t.offset + sum((d - 1) * st for d, st in zip(t.shape, t.stride))
        if last >= s.numel:
            raise ConversionError(f"{path}: tensor {name}: shape {list(t.shape)} stride "
                                  f"{list(t.stride)} offset {t.offset} reaches element {last} "
                                  f"of a storage of {s.numel}")
    esize = s.stype.element_size
    base = s.offset + t.offset
    # Dimensions of size 1 do not move through memory; drop them before looking at strides.
    dims = [(d, st) for d, st in zip(t.shape, t.stride) if d != 1]
    if numel == 0:
        data = b""
    elif _row_major(dims):
        data = blob[base * esize:(base + numel) * esize]  # a view: no copy of large weights
    else:
        data = _gather(blob, esize, base, dims)
    return Tensor(s.stype.dtype, tuple(t.shape), data)


def _row_major(dims) -> bool:
    expected = 1
    for d, st in reversed(dims):
        if st != expected:
            return False
        expected *= d
    return True


def _gather(blob: memoryview, esize: int, base: int, dims) -> bytes:
    fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[esize]
    elems = blob.cast(fmt)
    inner_n, inner_st = dims[-1]
    outer = dims[:-1]
    parts = []
    index = [0] * len(outer)
    while True:
        start = base + sum(i * st for i, (_, st) in zip(index, outer))
        if inner_st == 0:  # an expanded (broadcast) dimension
            parts.append(elems[start:start + 1].tobytes() * inner_n)
        else:
            parts.append(elems[start:start + (inner_n - 1) * inner_st + 1:inner_st].tobytes())
        k = len(outer) - 1
        while k >= 0:
            index[k] += 1
            if index[k] < outer[k][0]:
                break
            index[k] = 0
            k -= 1
        if k < 0:
            return b"".join(parts)


# --- the EfficientNet-Lite0 tensor set -----------------------------------------------------------


# --- writing -------------------------------------------------------------------------------------

def safetensors_header(tensors: dict, metadata: dict) -> bytes:
    """u64 header length and the JSON header (padded to 8 bytes) of the safetensors encoding,
    tensors laid out in key order so the same input always gives the same bytes."""
    header = {"__metadata__": metadata}
    offset = 0
    for k in sorted(tensors):
        t = tensors[k]
        header[k] = {"dtype": t.dtype, "shape": list(t.shape),
                     "data_offsets": [offset, offset + len(t.data)]}
        offset += len(t.data)
    text = json.dumps(header, separators=(",", ":"), sort_keys=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text


def safetensors_bytes(tensors: dict, metadata: dict) -> bytes:
    """The whole safetensors encoding in memory (for small files)."""
    return safetensors_header(tensors, metadata) + b"".join(tensors[k].data for k in sorted(tensors))


def write_safetensors(path: str, tensors: dict, metadata: dict) -> None:
    """Writes the safetensors file tensor by tensor (never the whole model twice in memory),
    to a temporary name first, so an interrupted run leaves no half-written file."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(safetensors_header(tensors, metadata))
            for k in sorted(tensors):
                f.write(tensors[k].data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_atomic(path: str, data: bytes) -> None:
    """Writes `data` to a temporary name, then renames it to `path`."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

