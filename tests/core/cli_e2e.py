#!/usr/bin/python3
"""sparselab-cli end to end: `info` and `infer` on PyTorch-exported models against PyTorch's
own numbers, `devices`, `make-model`, and the error paths (exit code 1, message on stderr)."""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI, FIXTURES = sys.argv[1], sys.argv[2]
failures = []


def run(*args, expect=0):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    if (r.returncode == 0) if expect == "nonzero" else (r.returncode != expect):
        failures.append(f"{' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stderr}")
    return r


def check(cond, what):
    if not cond:
        failures.append(what)


manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
inputs = os.path.join(FIXTURES, "inputs.f32")
for m in manifest["models"]:
    info = json.loads(run("info", "--model", m["onnx"], "--json").stdout)
    for key in ("params", "nonzeros", "dense_macs"):
        check(info[key] == m[key], f"{m['name']}: info {key} {info[key]} != torch {m[key]}")
    out = json.loads(run("infer", "--model", m["onnx"], "--features", inputs, "--json").stdout)
    got = np.array([b["scores"] for b in out["batch"]])
    want = np.fromfile(os.path.join(FIXTURES, m["expected"]), dtype="<f4").reshape(got.shape)
    diff = float(np.abs(got - want).max())
    check(diff <= 1e-4, f"{m['name']}: infer differs from PyTorch by {diff}")
    labels = info["labels"]
    check([b["label"] for b in out["batch"]] == [labels[i] for i in want.argmax(1)],
          f"{m['name']}: labels differ from PyTorch's argmax")
    print(f"{m['name']}: max |sparselab - torch| = {diff:.2e}")

devices = json.loads(run("devices", "--json").stdout)["backends"]
names = {d["name"]: d for d in devices}
check(names.get("cpu-dense", {}).get("available") is True, "cpu-dense not available")
check("fpga" in names and (names["fpga"]["available"] or names["fpga"]["reason"]),
      "fpga backend missing or unavailable without a reason")

with tempfile.TemporaryDirectory() as tmp:
    model = os.path.join(tmp, "m.onnx")
    run("make-model", "--arch", "super-sparse", "--seed", "3", "--out", model)
    info = json.loads(run("info", "--model", model, "--json").stdout)
    check(info["weight_sparsity"] > 0.94, f"super-sparse has only {info['weight_sparsity']:.3f} zeros")
    one = os.path.join(tmp, "one.f32")
    np.random.default_rng(1).standard_normal(1024).astype("<f4").tofile(one)
    r = run("infer", "--model", model, "--features", one, "--json")
    check(len(json.loads(r.stdout)["scores"]) == 12, "infer on one sample: not 12 scores")

    # Error paths: non-zero exit, a message naming the problem, nothing on stdout.
    bad = os.path.join(tmp, "short.f32")
    np.zeros(100, dtype="<f4").tofile(bad)
    r = run("infer", "--model", model, "--features", bad, expect=1)
    check("short.f32" in r.stderr and "bytes" in r.stderr, f"short features message: {r.stderr}")
    r = run("info", "--model", os.path.join(tmp, "missing.onnx"), expect=1)
    check("missing.onnx" in r.stderr, f"missing model message: {r.stderr}")
    trunc = os.path.join(tmp, "trunc.onnx")
    with open(model, "rb") as src, open(trunc, "wb") as dst:
        dst.write(src.read()[:5000])
    r = run("info", "--model", trunc, expect=1)
    check("trunc.onnx" in r.stderr, f"truncated model message: {r.stderr}")
    r = run("infer", "--model", model, "--features", one, "--backend", "tpu", expect=1)
    check("tpu" in r.stderr and "cpu-dense" in r.stderr, f"unknown backend message: {r.stderr}")
    r = run("infer", "--model", model, "--features", one, "--mode", "fastest", expect=1)
    check("fastest" in r.stderr, f"unknown mode message: {r.stderr}")
    run("--help")
    r = run("frobnicate", expect="nonzero")
    check(r.stderr.strip() != "", "unknown subcommand: no message on stderr")

if failures:
    print("FAILED:\n" + "\n".join(failures))
    sys.exit(1)
print("cli end-to-end: all checks passed")
