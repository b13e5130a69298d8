#!/usr/bin/env python3
"""The peer side of Scripts/bench/clip.sh.

  make DIR      writes a full-size CLIP ViT-B/32 with random weights (fixed seed) in Hugging Face
                layout (config.json, model.safetensors, vocab.json, merges.txt derived from
                ../shared/data/clip) and DIR/vision.onnx: the image tower + projection, exported
                from the same weights; and DIR/vision-int8.onnx, the same model quantised by
                onnxruntime.quantization's dynamic quantisation (int8 weights, activations
                quantised per call): ONNX Runtime's own int8 path.
  run DIR       times ONNX Runtime (CPU) on DIR/vision.onnx (--int8: vision-int8.onnx) at each
                batch size and prints `batch B images_per_second X` lines; with --int8 also
                `cosine_int8_f32 min X mean Y` between the two models' embeddings of 16 images.

Needs torch, transformers, onnx and onnxruntime.
"""
import argparse
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "Scripts/fixtures"))


def make(out: pathlib.Path) -> None:
    import torch
    from transformers import CLIPConfig, CLIPModel
    import clip_bpe

    out.mkdir(parents=True, exist_ok=True)
    if (out / "vision.onnx").exists() and (out / "model.safetensors").exists():
        return
    torch.manual_seed(20261122)
    model = CLIPModel(CLIPConfig()).eval()  # transformers' default config is ViT-B/32
    model.save_pretrained(out, safe_serialization=True)
    merges = clip_bpe.read_openai_merges(ROOT.parent / "shared/data/clip/bpe_simple_vocab_16e6.txt.gz")
    clip_bpe.write_hf_files(out, merges)

    class Vision(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, pixel_values):
            e = self.m.visual_projection(self.m.vision_model(pixel_values=pixel_values).pooler_output)
            return e / e.norm(dim=-1, keepdim=True)

    quantize(out)
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(Vision(model), (x,), str(out / "vision.onnx"), input_names=["pixel_values"],
                      output_names=["embeds"], dynamic_axes={"pixel_values": {0: "batch"}, "embeds": {0: "batch"}},
                      opset_version=17, dynamo=False)


def quantize(out: pathlib.Path) -> None:
    """vision-int8.onnx: ONNX Runtime's dynamic quantisation of vision.onnx, as its documentation
    recommends for transformers (signed int8 weights, per tensor; uint8 activations per call)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = out / "vision-int8.onnx"
    if not target.exists():
        quantize_dynamic(str(out / "vision.onnx"), str(target), weight_type=QuantType.QInt8)


def session(path: pathlib.Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run(out: pathlib.Path, batches: list[int], threads: int, seconds: float, int8: bool) -> None:
    import numpy as np

    if int8:
        quantize(out)
    session_ = session(out / ("vision-int8.onnx" if int8 else "vision.onnx"), threads)
    rng = np.random.default_rng(0)
    if int8:
        x = rng.standard_normal((16, 3, 224, 224)).astype(np.float32)
        a = session(out / "vision.onnx", threads).run(None, {"pixel_values": x})[0]
        b = session_.run(None, {"pixel_values": x})[0]
        cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"cosine_int8_f32 min {cos.min():.6f} mean {cos.mean():.6f}", flush=True)
    for b in batches:
        x = rng.standard_normal((b, 3, 224, 224)).astype(np.float32)
        session_.run(None, {"pixel_values": x})  # warm-up
        n, start = 0, time.perf_counter()
        while True:
            session_.run(None, {"pixel_values": x})
            n += b
            if time.perf_counter() - start >= seconds:
                break
        print(f"batch {b} images_per_second {n / (time.perf_counter() - start):.3f}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["make", "run"])
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--int8", action="store_true")
    a = ap.parse_args()
    make(a.dir) if a.command == "make" else run(a.dir, a.batch, a.threads, a.seconds, a.int8)
