"""The command line both converters share (Scripts/convert/efficientnet.py and
Scripts/convert/torch_checkpoint.py): `PROGRAM IN OUT`, `-h`/`--help` for the module's
docstring, errors as `NAME: reason` with exit status 1, a wrong argument count exit status 2,
and one summary line on success. Each converter's `__main__` is one call of `main`.
"""
from __future__ import annotations

import math
import sys
from typing import Callable

from torchfile import ConversionError


def main(argv: list[str], *, name: str, doc: str, usage: str,
         convert: Callable[[str, str], dict], unit: str, written: Callable[[str], str]) -> int:
    """Runs `convert(IN, OUT)`, which returns the tensors it wrote, for the command `name` (the
    prefix of its messages); `usage` is the usage line after `usage: `. Success prints
    `name: N tensors, M <unit> -> <written(OUT)>`."""
    if argv[:1] in (["-h"], ["--help"]):
        print(doc.strip())
        return 0
    if len(argv) != 2:
        print(f"usage: {usage}", file=sys.stderr)
        return 2
    try:
        tensors = convert(argv[0], argv[1])
    except ConversionError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{name}: {e.filename or argv[1]}: {e.strerror}", file=sys.stderr)
        return 1
    count = sum(math.prod(t.shape) for t in tensors.values())
    print(f"{name}: {len(tensors)} tensors, {count} {unit} -> {written(argv[1])}")
    return 0
