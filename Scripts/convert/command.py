"""The command line both converters share (Scripts/convert/efficientnet.py and
Scripts/convert/torch_checkpoint.py): `PROGRAM IN OUT`, `-h`/`--help` for the module's
docstring, errors as `NAME: reason` with exit status 1, a wrong argument count exit status 2,
and one summary line on success.
"""
from __future__ import annotations

import sys
from typing import Callable

from torchfile import ConversionError


def main(argv: list[str], *, name: str, doc: str, usage: str,
         convert: Callable[[str, str], object], summary: Callable[[object, str], str]) -> int:
    """Runs `convert(IN, OUT)` for the command `name` (the prefix of its messages); `usage`
    is the usage line after `usage: `; `summary(result, OUT)` is the line printed after
    `name: ` when it succeeds."""
    if argv[:1] in (["-h"], ["--help"]):
        print(doc.strip())
        return 0
    if len(argv) != 2:
        print(f"usage: {usage}", file=sys.stderr)
        return 2
    try:
        result = convert(argv[0], argv[1])
    except ConversionError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{name}: {e.filename or argv[1]}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"{name}: {summary(result, argv[1])}")
    return 0
