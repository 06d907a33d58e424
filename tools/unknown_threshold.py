#!/usr/bin/python3
"""What a confidence threshold for "unknown" would trade: target-word accuracy on the test split
against out-of-vocabulary rejection.

A model answers "unknown" for a clip when its top class probability is below t (silence and
unknown answers are kept). This script measures, for t = 0 (plain argmax, what SparseLab does)
and higher values, the test accuracy (all clips and target words only) and the share of OOV
clips called unknown. It only reports; no shipped model uses a threshold.

usage: tools/unknown_threshold.py --cli build/app/sparselab-cli --model M.onnx \\
           --test CORPUS --oov OOV_CORPUS [--thresholds 0,0.5,0.7,0.9]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile


def scores(cli, model, data, split, silence):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "scores.jsonl")
        p = subprocess.run([cli, "eval", "-m", model, "-d", data, "--split", split,
                            "--silence-share", str(silence), "--threads", "2", "--json",
                            "--scores-out", out], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"unknown_threshold: eval failed on {data}: {p.stderr.strip()}")
        labels = json.loads(p.stdout)["labels"]
        return labels, [json.loads(line) for line in open(out)]


def decide(labels, row, t):
    p = [math.exp(x) for x in row["scores"]]  # SparseLab models end in LogSoftmax
    top = max(range(len(p)), key=p.__getitem__)
    label = labels[top]
    if label not in ("unknown", "silence") and p[top] < t:
        return "unknown"
    return label


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--test", required=True, help="corpus whose test split is scored")
    ap.add_argument("--oov", required=True, help="corpus of words never used in training")
    ap.add_argument("--thresholds", default="0,0.5,0.6,0.7,0.8,0.9")
    a = ap.parse_args()
    labels, test = scores(a.cli, a.model, a.test, "test", 0.1)
    _, oov = scores(a.cli, a.model, a.oov, "all", 0)
    targets = [r for r in test if r["truth"] not in ("unknown", "silence")]
    print(f"{os.path.basename(a.model)}: {len(test)} test clips ({len(targets)} target words), "
          f"{len(oov)} OOV clips")
    print("threshold  test all  target words  OOV -> unknown")
    for t in [float(x) for x in a.thresholds.split(",")]:
        acc = sum(decide(labels, r, t) == r["truth"] for r in test) / len(test)
        words = sum(decide(labels, r, t) == r["truth"] for r in targets) / len(targets)
        rej = sum(decide(labels, r, t) == "unknown" for r in oov) / len(oov)
        print(f"{t:9.2f}  {100 * acc:7.1f} %  {100 * words:10.1f} %  {100 * rej:12.1f} %")


if __name__ == "__main__":
    main()
