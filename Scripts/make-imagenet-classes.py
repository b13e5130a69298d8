#!/usr/bin/env python3
"""Writes Plugins/Image/Resources/imagenet-classes.txt: the 1000 ImageNet-1k class names, one per
line, in class-index order, as curated for zero-shot use by OpenAI's CLIP (short, readable names
such as "golden retriever" instead of WordNet synonym lists).

Source: the `open-clip-torch` wheel on PyPI (MIT licence), file open_clip/zero_shot_metadata.py,
tuple IMAGENET_CLASSNAMES. Standard library only; the wheel is fetched with `pip download`.

    python3 Scripts/make-imagenet-classes.py
"""
import ast
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "open_clip_torch-3.3.0-py3-none-any.whl"
WHEEL_SHA256 = "c549ad5ed6bfc119cc11105033c0a2b9d7a2a4afeb40a58a09aab3da1a0043ce"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Plugins/Image/Resources/imagenet-classes.txt"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--dest", tmp, "open-clip-torch==3.3.0"], check=True)
        wheel = pathlib.Path(tmp) / WHEEL
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            sys.exit(f"{wheel.name}: sha256 {digest}, expected {WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as zf:
            source = zf.read("open_clip/zero_shot_metadata.py").decode("utf-8")
    names = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "IMAGENET_CLASSNAMES" for t in node.targets):
            names = ast.literal_eval(node.value)
    if names is None or len(names) != 1000:
        sys.exit("IMAGENET_CLASSNAMES not found or not 1000 names")
    if any("\n" in n or not n.strip() for n in names):
        sys.exit("unexpected class name")
    OUT.write_text("".join(n + "\n" for n in names), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(names)} classes)")


if __name__ == "__main__":
    main()
