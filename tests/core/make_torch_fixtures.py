#!/usr/bin/python3
"""Builds the PyTorch reference fixtures for the core tests (run at test time, not committed).

For each network: an ONNX export, random inputs, and PyTorch's outputs for them, plus the
parameter and MAC counts computed from the torch modules. Writes OUT/manifest.json.
The seed varies per run unless --seed is given, so the C++ side sees inputs it has never seen.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import gsc_torch  # noqa: E402


def counts(model):
    """Parameters (weights + biases of conv/linear), non-zero weights and dense MACs per sample."""
    params = nonzeros = macs = 0
    x = torch.zeros(1, 1, 32, 32)
    model.eval()
    with torch.no_grad():
        for m in model.children():
            inner = m.module if isinstance(m, gsc_torch.SparseWeights) else m
            y = m(x)
            if isinstance(inner, (nn.Conv2d, nn.Linear)):
                params += inner.weight.numel() + (inner.bias.numel() if inner.bias is not None else 0)
                nonzeros += int((inner.weight != 0).sum())
                positions = y.shape[2] * y.shape[3] if y.dim() == 4 else 1
                macs += inner.weight.numel() * positions
            x = y
    return params, nonzeros, macs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--batch", type=int, default=5)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    os.makedirs(args.out, exist_ok=True)

    nets = {
        "dense_folded": (gsc_torch.GSCDenseCNN(), dict()),
        "dense_unfolded": (gsc_torch.GSCDenseCNN(), dict(keep_batchnorm=True, constant_folding=False)),
        "dense_view_reshape": (gsc_torch.GSCDenseCNN(flatten_with_view=True), dict(constant_folding=False)),
        "dense_fixed_batch": (gsc_torch.GSCDenseCNN(channels=(8, 16), linear_units=32), dict(fixed_batch=args.batch)),
        "sparse_kw_before_pool": (gsc_torch.GSCSparseCNN(seed=seed), dict()),
        "sparse_kw_after_pool": (gsc_torch.GSCSparseCNN(kwinners_before_pool=False, seed=seed,
                                                        cnn_percent_on=(0.1, 0.12)), dict()),
    }
    local = gsc_torch.GSCSparseCNN(seed=seed, cnn_out_channels=(16, 16), linear_units=64)
    local.cnn1_kwinner.local = True
    local.cnn2_kwinner.local = True
    local.cnn1_kwinner.percent_on = 0.25
    local.cnn2_kwinner.percent_on = 0.25
    nets["sparse_local_kw"] = (local, dict())

    manifest = {"seed": seed, "batch": args.batch, "models": []}
    inputs = torch.randn(args.batch, 1, 32, 32, generator=gen)
    inputs.numpy().astype("<f4").tofile(os.path.join(args.out, "inputs.f32"))
    for name, (model, opts) in nets.items():
        gsc_torch.randomize_batchnorm(model, gen)
        gsc_torch.randomize_duty_cycles(model, gen)
        model.eval()
        path = os.path.join(args.out, name + ".onnx")
        gsc_torch.export_onnx(model, path, **opts)
        with torch.no_grad():
            out = model(inputs)
        out.numpy().astype("<f4").tofile(os.path.join(args.out, name + ".expected.f32"))
        params, nonzeros, macs = counts(model)
        manifest["models"].append({"name": name, "onnx": path, "expected": name + ".expected.f32",
                                   "classes": int(out.shape[1]), "params": params,
                                   "nonzeros": nonzeros, "dense_macs": macs})
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"fixtures in {args.out} (seed {seed})")


if __name__ == "__main__":
    main()
