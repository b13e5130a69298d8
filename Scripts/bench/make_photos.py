#!/usr/bin/env python3
"""Makes the benchmark's photo set from Media/: N large (~12 MP, 4000x3000) and N small (~2 MP,
1632x1224) JPEGs, each a different crop/flip/resize of a bundled photo, re-encoded at quality 90.
Deterministic (fixed seed). Needs Pillow.

    python make_photos.py OUT_DIR [--count-large 100] [--count-small 100]
"""
import argparse
import pathlib
import random

from PIL import Image, ImageOps

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIZES = {"large": (4000, 3000), "small": (1632, 1224)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--count-large", type=int, default=100)
    ap.add_argument("--count-small", type=int, default=100)
    args = ap.parse_args()
    sources = sorted(p for p in (ROOT / "Media").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    rng = random.Random(20261122)
    args.out.mkdir(parents=True, exist_ok=True)
    made = 0
    for kind, count in (("large", args.count_large), ("small", args.count_small)):
        w, h = SIZES[kind]
        for i in range(count):
            target = args.out / f"{kind}-{i:04d}.jpg"
            if target.exists():
                continue
            src = sources[(i * 7 + (kind == "small")) % len(sources)]
            img = ImageOps.exif_transpose(Image.open(src)).convert("RGB")
            # A random crop of 70-100 % of the photo, maybe mirrored, scaled to the target size.
            f = rng.uniform(0.7, 1.0)
            cw, ch = int(img.width * f), int(img.height * f)
            x, y = rng.randint(0, img.width - cw), rng.randint(0, img.height - ch)
            img = img.crop((x, y, x + cw, y + ch))
            if rng.random() < 0.5:
                img = ImageOps.mirror(img)
            tw, th = (w, h) if img.width >= img.height else (h, w)
            img.resize((tw, th), Image.BICUBIC).save(target, quality=90)
            made += 1
    print(f"{args.out}: {made} photos made, {args.count_large} large + {args.count_small} small in all")


if __name__ == "__main__":
    main()
