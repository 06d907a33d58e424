#!/usr/bin/env python3
"""`train --gradual-prune` (label `train`, docs/TRAINING.md).

  cli_gradual_prune_test.py CLI SCRATCH

On a tiny generated corpus (2 words + unknown, espeak only) a dense model is trained for one
epoch. Then, independently of the C++ pruning code:
  1. the sparse preset started from its weights with a schedule that ends where it starts
     (--prune-start 0 --prune-end 0) and learning rate 0 writes exactly the structured pruning
     numpy computes from the dense weights: per input of conv1, conv2 and linear1, the
     llround((1 - s) * slots) (tap, 16-output block) slots of largest sum of squares (the fresh
     BatchNorm statistics of step 0 scale every unit alike);
  2. a ramp over two of three epochs reports a weight sparsity per epoch that rises and then
     stays at exactly the zero fraction that layout implies, and the model it writes is in
     the blocked layout (every input keeps that many whole slots);
  3. schedules that cannot work are refused with a clear message.
"""
import json
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
BLOCK = 16


def weights(path):
    return [m.weight.detach().numpy() for m in load_dense_module(path) if hasattr(m, "weight")]


def as_slots(w):
    """[outs, inputs, taps] -> per input, per (tap, block) slot: sum of squares, any non-zero,
    all non-zero (slot order tap-major, as the C++ ties resolve)."""
    outs, inputs = w.shape[0], w.shape[1]
    w = w.reshape(outs, inputs, -1)
    blocks = -(-outs // BLOCK)
    pad = np.zeros((blocks * BLOCK, inputs, w.shape[2]), w.dtype)
    pad[:outs] = w
    b = pad.reshape(blocks, BLOCK, inputs, -1)  # [block, 16, input, tap]
    sq = (b.astype(np.float64) ** 2).sum(axis=1)  # [block, input, tap]
    to_slots = lambda a: a.transpose(1, 2, 0).reshape(inputs, -1)  # noqa: E731
    nz = b != 0
    real = np.zeros((blocks, BLOCK), bool)
    real.flat[:outs] = True  # padding rows of the last block count as non-zero
    full = (nz | ~real[:, :, None, None]).all(axis=1)
    return to_slots(sq), to_slots(nz.any(axis=1)), to_slots(full)


def keep_count(s, slots):
    return max(1, int(np.floor((1 - s) * slots + 0.5)))  # llround


def numpy_structured_mask(w, s):
    sq, _, _ = as_slots(w)
    keep = keep_count(s, sq.shape[1])
    order = np.argsort(-sq, axis=1, kind="stable")[:, :keep]
    kept = np.zeros_like(sq, bool)
    np.put_along_axis(kept, order, True, axis=1)
    return kept


def main():
    cli, scratch = sys.argv[1:3]
    corpus = make_tiny_corpus(scratch)
    common = [cli, "train", "--data", corpus, "--labels", "yes,no", "--threads", "1",
              "--variants", "1", "--batch", "8", "--seed", "2", "-q"]
    dense = os.path.join(scratch, "dense.onnx")
    subprocess.run(common + ["--arch", "dense", "--epochs", "1", "--out", dense], check=True)
    dense_w = weights(dense)
    gradual = common + ["--arch", "sparse", "--init-weights", dense, "--structured",
                        "--gradual-prune"]

    # 1. One step at the start, nothing learnt: numpy's structured pruning of the dense weights.
    oneshot = os.path.join(scratch, "oneshot.onnx")
    r = subprocess.run(gradual + ["--epochs", "1", "--prune-start", "0", "--prune-end", "0",
                                  "--optimizer", "sgd", "--lr", "0", "--momentum", "0",
                                  "--out", oneshot], capture_output=True, text=True)
    assert r.returncode == 0, f"train --gradual-prune failed ({r.returncode}): {r.stderr}"
    for dw, sw, s in zip(dense_w, weights(oneshot), SPARSITY):
        if s == 0.0:
            assert np.array_equal(dw, sw), "the output layer changed"
            continue
        want = numpy_structured_mask(dw, s)
        _, anynz, full = as_slots(sw)
        assert np.array_equal(anynz, full), f"{dw.shape}: a block slot is partly pruned"
        assert np.array_equal(anynz, want), \
            f"{dw.shape}: {int((anynz != want).sum())} slots differ from numpy's structured pruning"
        print(f"{dw.shape}: {want.sum(axis=1)[0]} of {want.shape[1]} slots kept per input, "
              "as numpy prunes")

    # 2. A ramp over epochs 0..2 of 3, pruning every batch.
    ramp = os.path.join(scratch, "ramp.onnx")
    r = subprocess.run(gradual + ["--epochs", "3", "--prune-start", "0", "--prune-end", "2",
                                  "--prune-every", "1", "--optimizer", "adam", "--lr", "0.002",
                                  "--out", ramp, "--json"], capture_output=True, text=True)
    assert r.returncode == 0, f"ramp failed ({r.returncode}): {r.stderr}"
    zeros = [e["weight_sparsity"] for e in json.loads(r.stdout)["epochs"]]
    total = sum(w.size for w in dense_w[:3])
    assert 0 < zeros[0] < zeros[1] == zeros[2], zeros
    sw = weights(ramp)
    nonzero = 0
    for w, s in zip(sw[:3], SPARSITY[:3]):
        _, anynz, full = as_slots(w)
        assert np.array_equal(anynz, full), f"{w.shape}: a block slot is partly pruned"
        per_input = anynz.sum(axis=1)
        assert (per_input == keep_count(s, anynz.shape[1])).all(), \
            f"{w.shape}: kept slots per input {set(per_input.tolist())}"
        nonzero += int((w != 0).sum())
    assert abs(zeros[2] - (1 - nonzero / total)) < 1e-9, (zeros, 1 - nonzero / total)
    meta = {p.key: p.value for p in onnx.load(ramp).metadata_props}
    assert meta.get("sparselab.pruning", "").startswith("gradual structured"), meta
    print(f"ramp: weight zeros per epoch {[round(z, 4) for z in zeros]}, blocked layout")

    # 3. Refused, with a message.
    bad = ["--out", os.path.join(scratch, "bad.onnx"), "--epochs", "1"]
    for args, says in [(gradual + ["--prune-end", "3"], "within the 1 epochs"),
                       (common + ["--arch", "dense", "--gradual-prune"], "no sparse layer"),
                       (common + ["--arch", "sparse", "--prune-end", "1"], "--gradual-prune")]:
        r = subprocess.run(args + bad, capture_output=True, text=True)
        extra = args[len(common):]
        assert r.returncode != 0 and says in r.stderr, (extra, r.returncode, r.stderr)
        print("refused:", next(line for line in r.stderr.splitlines() if says in line))
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
