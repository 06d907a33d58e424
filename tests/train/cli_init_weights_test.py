#!/usr/bin/env python3
"""`train --init-weights DENSE.onnx --arch sparse` (label `train`, docs/TRAINING.md).

  cli_init_weights_test.py CLI SCRATCH

On a tiny generated corpus (2 words + unknown, espeak only) a dense model is trained for one
epoch; then the sparse preset is started from its weights and "trained" for one epoch at
learning rate 0, so what it writes is exactly the starting point. Checked against numpy,
independently of the C++ pruning code: every Conv/Gemm weight is the dense weight with, per
output unit, only the llround((1 - s) * fan_in) largest magnitudes kept (s = the sparse preset's
50/80/90/0 %), up to the per-unit scale of the BatchNorm that training folds back on export (the
output layer, which has none, is exactly the dense one), and the network has the preset's three
k-winners layers (not the dense model's ReLUs).
"""
import os
import subprocess
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tiny_corpus import make_tiny_corpus  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools/peers"))
from gsc_torch import load_dense_module  # noqa: E402

SPARSITY = [0.5, 0.8, 0.9, 0.0]  # conv1, conv2, linear1, output of the `sparse` preset


def weights(path):
    return [(m.weight.detach().numpy(), m.bias.detach().numpy())
            for m in load_dense_module(path) if hasattr(m, "weight")]


def main():
    cli, scratch = sys.argv[1:3]
    corpus = make_tiny_corpus(scratch)
    common = [cli, "train", "--data", corpus, "--labels", "yes,no", "--epochs", "1",
              "--threads", "1", "--variants", "1", "--batch", "8", "--seed", "2", "-q"]
    dense = os.path.join(scratch, "dense.onnx")
    sparse = os.path.join(scratch, "sparse.onnx")
    subprocess.run(common + ["--arch", "dense", "--out", dense], check=True)
    r = subprocess.run(common + ["--arch", "sparse", "--init-weights", dense, "--out", sparse,
                                 "--optimizer", "sgd", "--lr", "0", "--momentum", "0"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"train --init-weights failed ({r.returncode}): {r.stderr}")

    ops = [n.op_type for n in onnx.load(sparse).graph.node]
    assert ops.count("KWinners") == 3 and "Relu" not in ops, ops
    pairs = list(zip(weights(dense), weights(sparse)))
    assert len(pairs) == len(SPARSITY), len(pairs)
    for ((dw, db), (sw, sb)), s in zip(pairs, SPARSITY):
        rows = dw.reshape(dw.shape[0], -1)
        keep = max(1, int(np.floor((1 - s) * rows.shape[1] + 0.5)))  # llround: 12.5 -> 13
        want = np.zeros_like(rows)
        top = np.argsort(-np.abs(rows), axis=1, kind="stable")[:, :keep]
        np.put_along_axis(want, top, np.take_along_axis(rows, top, axis=1), axis=1)
        got = sw.reshape(want.shape)
        assert np.array_equal(got != 0, want != 0), \
            f"{dw.shape}: {int(((got != 0) != (want != 0)).sum())} non-zeros differ from numpy's"
        # Training inserts BatchNorm(affine=False) after every layer but the output and folds
        # its running statistics (updated even at learning rate 0) back on export: that scales
        # each unit's row by a positive factor and moves its bias. The output layer has none.
        scale = (got * want).sum(axis=1) / (want * want).sum(axis=1)
        assert (scale > 0).all(), f"{dw.shape}: a row changed sign"
        assert np.allclose(got, scale[:, None] * want, rtol=1e-5, atol=1e-7), \
            f"{dw.shape}: kept weights are not the dense ones (up to the folded BatchNorm)"
        if s == SPARSITY[-1]:
            assert np.allclose(scale, 1.0, rtol=1e-6) and np.array_equal(sb, db), "output changed"
        print(f"{dw.shape}: {keep} of {rows.shape[1]} kept per unit, as numpy prunes")

    # A model without a layer of the preset's names and shapes is refused, naming the file.
    other = os.path.join(scratch, "other.onnx")
    subprocess.run(common + ["--arch", "dense", "--linear-units", "50", "--conv1-channels", "8",
                             "--conv2-channels", "8", "--out", other], check=True)
    r = subprocess.run(common + ["--arch", "sparse", "--init-weights", other, "--out", sparse],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "other.onnx" in r.stderr, (r.returncode, r.stderr)
    print("refused:", r.stderr.strip().splitlines()[-1])
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
