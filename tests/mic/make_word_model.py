#!/usr/bin/python3
"""Builds a small word-recognising model for the listen tests when no trained GSC model exists.

  make_word_model.py CLI OUT.onnx WORD... [--unknown WORD...]

Each word is spoken with espeak-ng (as listen_test.py speaks it), trimmed with sox and placed
at many offsets inside a 1 s window (as a sliding window sees it); `sparselab-cli features`
computes the log-mel images; silence windows, other words and partial views of every word (class "unknown") are added; a
ridge-regression classifier on the standardised features becomes an ONNX Flatten -> Gemm ->
Softmax model with SparseLab's metadata (labels WORD... unknown silence). It is a real trained
model, only far smaller and far less general than the GSC network: it knows one voice.
Needs /usr/bin/python3 with numpy and onnx (scripts/setup.sh installs them).
"""
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RATE = 16000


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def speak(word, folder, name):
    """espeak-ng word -> trimmed 16 kHz mono float array (same recipe as listen_test.py)."""
    raw, out = os.path.join(folder, name + "-raw.wav"), os.path.join(folder, name + ".wav")
    run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", raw, word])
    run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", out, "silence", "1", "0.01", "1%",
         "reverse", "silence", "1", "0.01", "1%", "reverse", "gain", "-n", "-3"])
    with wave.open(out) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def write_wav(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())


def features(cli, folder, window, n):
    wav, out = os.path.join(folder, f"win{n}.wav"), os.path.join(folder, f"win{n}.bin")
    write_wav(wav, window)
    run([cli, "features", "-w", wav, "-o", out])
    return np.fromfile(out, dtype="<f4")


def placements(word, rng):
    """1 s windows holding the word whole at offsets 50 ms apart (its end from 0.05 s after
    it fits to the window's end), with faint noise as a microphone would add."""
    out = []
    for end in np.arange(len(word) + 800, RATE + 1, 800):
        w = np.zeros(RATE, np.float32)
        w[end - len(word):end] = word
        out.append(w + rng.normal(0, 1e-4, RATE).astype(np.float32))
    return out


def partial_views(word, rng):
    """Windows that hold only part of the word (its start entering at the window's end, or
    its end leaving at the window's start), as a sliding window sees it first and last."""
    out = []
    for frac in (0.25, 0.45, 0.65):
        k = int(len(word) * frac)
        head, tail = np.zeros(RATE, np.float32), np.zeros(RATE, np.float32)
        head[RATE - k:] = word[:k]
        tail[:k] = word[len(word) - k:]
        out += [v + rng.normal(0, 1e-4, RATE).astype(np.float32) for v in (head, tail)]
    return out


def main():
    args = sys.argv[1:]
    cli, out_path = args[0], args[1]
    rest = args[2:]
    unknown = rest[rest.index("--unknown") + 1:] if "--unknown" in rest else []
    words = rest[:rest.index("--unknown")] if "--unknown" in rest else rest
    labels = words + ["unknown", "silence"]
    rng = np.random.default_rng(1)
    xs, ys, n = [], [], 0
    with tempfile.TemporaryDirectory() as folder:
        for cls, group in [(i, [w]) for i, w in enumerate(words)] + [(len(words), unknown)]:
            for word in group:
                audio = speak(word, folder, f"w{n}")
                for window in placements(audio, rng):
                    xs.append(features(cli, folder, window, n))
                    ys.append(cls)
                    n += 1
                for window in partial_views(audio, rng):  # part of a word: "unknown"
                    xs.append(features(cli, folder, window, n))
                    ys.append(len(words))
                    n += 1
        for level in [0.0, 1e-4, 1e-3, 1e-2]:
            for _ in range(3):
                xs.append(features(cli, folder, rng.normal(0, level, RATE).astype(np.float32), n))
                ys.append(len(labels) - 1)
                n += 1
    x = np.stack(xs).astype(np.float64)
    y = np.eye(len(labels))[ys]
    mu, sd = x.mean(0), x.std(0) + 1e-3
    z = (x - mu) / sd
    ridge = 10.0
    w = np.linalg.solve(z.T @ z + ridge * np.eye(z.shape[1]), z.T @ (y - y.mean(0)))  # [F, C]
    b = y.mean(0) - 0.0
    scale = 12.0  # ridge outputs ~0..1 -> confident softmax
    weight = (scale * (w / sd[:, None]).T).astype(np.float32)  # [C, F]
    bias = (scale * (b - (w / sd[:, None]).T @ mu)).astype(np.float32)
    train_acc = float(((z @ w + b).argmax(1) == np.array(ys)).mean())

    graph = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["flat"], axis=1, name="flatten"),
         helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], transB=1,
                          name="fc"),
         helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="softmax")],
        "word-template",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", len(labels)])],
        [numpy_helper.from_array(weight, "fc.weight"), numpy_helper.from_array(bias, "fc.bias")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    for k, v in {"sparselab.name": "word-template", "sparselab.labels": ",".join(labels),
                 "sparselab.sample_rate": "16000", "sparselab.n_mels": "32",
                 "sparselab.n_fft": "2048", "sparselab.hop_length": "512",
                 "sparselab.frames": "32", "sparselab.top_db": "80"}.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.save(model, out_path)
    print(f"{out_path}: {len(labels)} classes {labels}, {len(ys)} windows, "
          f"training accuracy {train_acc:.3f}")


if __name__ == "__main__":
    main()
