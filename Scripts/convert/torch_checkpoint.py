#!/usr/bin/env python3
"""Convert a PyTorch state dict (`pytorch_model.bin`, either torch.save format) to safetensors.

    Scripts/convert/torch_checkpoint.py IN.bin OUT.safetensors

Writes every tensor under its own name, dtype and shape, row-major, in name order, with the
metadata `{"format": "pt"}` that transformers expects, so the result loads like the
`model.safetensors` of `save_pretrained`: Scripts/fetch/models.py uses it for Hugging Face
repositories that only have `pytorch_model.bin` (laion/clap-htsat-unfused; see packs.json).

Python standard library only (Scripts/convert/torchfile.py): no torch, no numpy. Memory:
about the size of the checkpoint once. A malformed or truncated file, an unexpected pickle
global or an out-of-bounds view is an error naming the file and the reason (exit status 1),
never a traceback or a half-written output; the command line is Scripts/convert/command.py's.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import command  # noqa: E402
from torchfile import ConversionError, read_state_dict, write_safetensors  # noqa: E402


def convert(in_path: str, out_path: str) -> dict:
    """Converts; returns the written tensors (name -> Tensor)."""
    tensors = read_state_dict(in_path)
    if not tensors:
        raise ConversionError(f"{in_path}: the state dict holds no tensors")
    write_safetensors(out_path, tensors, {"format": "pt"})
    return tensors


if __name__ == "__main__":
    sys.exit(command.main(sys.argv[1:], name="convert-torch-checkpoint", doc=__doc__,
                          usage="Scripts/convert/torch_checkpoint.py IN.bin OUT.safetensors",
                          convert=convert, unit="values", written=lambda out_path: out_path))
