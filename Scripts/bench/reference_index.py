#!/usr/bin/env python3
"""The PyTorch reference of `mmsearch index` for the benchmark: Pillow decode + EXIF transpose +
the lite preprocessing + efficientnet-lite-pytorch EfficientNet-Lite0 + ConSE, over every JPEG
of a folder, batched as people run it (torch DataLoader with worker processes decoding while
the model runs). Prints one line `images N seconds S` on stdout.

    python reference_index.py DIR [--threads 2] [--workers 2] [--batch 16] [--draft]
"""
import argparse
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--draft", action="store_true", help="let libjpeg decode at reduced size (Pillow draft)")
    args = ap.parse_args()

    start = time.perf_counter()
    import numpy as np
    import torch
    import reference_lite as R

    torch.set_num_threads(args.threads)
    files = sorted(p for p in args.dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))

    class Photos(torch.utils.data.Dataset):
        def __len__(self):
            return len(files)

        def __getitem__(self, i):
            return torch.from_numpy(R.preprocess(R.load_rgb(files[i], draft=args.draft)))

    # The class-prompt embeddings are computed once and cached, as mmsearch caches them.
    cache = pathlib.Path(__file__).resolve().parents[2] / ".build/bench/reference-class-embeddings.npy"
    if cache.exists():
        class_emb = np.load(cache)
    else:
        class_emb = R.class_embeddings(R.load_text_model())
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, class_emb)
    net = R.load_image_model()
    loader = torch.utils.data.DataLoader(Photos(), batch_size=args.batch, num_workers=args.workers)
    vectors = []
    with torch.no_grad():
        for batch in loader:
            logits = net(batch).numpy()
            vectors.append(R.conse(logits, class_emb))
    n = sum(len(v) for v in vectors)
    print(f"images {n} seconds {time.perf_counter() - start:.3f}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
