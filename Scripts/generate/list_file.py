"""The format of the word and class lists the generators write (package resources that
mmsearch reads at run time): UTF-8, `#` comment lines first (what the list is, where it comes
from, "do not edit"), then one entry per line, each line ending in a newline. An entry never
starts with `#`, never is empty and has no leading or trailing spaces, so a reader skips the
`#` lines and takes every other line as it is.
"""
from __future__ import annotations

import pathlib
import sys
import textwrap


def write(path: pathlib.Path, header: list[str], entries: list[str]) -> None:
    """Writes `entries` under `header` (paragraphs, each wrapped into `# ` comment lines); exits
    naming the entry when one cannot be written in this format."""
    for entry in entries:
        if not entry or entry != entry.strip() or entry.startswith("#") or "\n" in entry or "\r" in entry:
            sys.exit(f"{path.name}: {entry!r} cannot be an entry of a list file")
    comments = "".join(f"# {line}\n" for paragraph in header for line in textwrap.wrap(
        " ".join(paragraph.split()), 94, break_on_hyphens=False, break_long_words=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(comments + "".join(e + "\n" for e in entries), encoding="utf-8")


def read(path: pathlib.Path) -> list[str]:
    """The entries of a list file (its `#` lines skipped)."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
