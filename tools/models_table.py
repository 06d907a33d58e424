#!/usr/bin/python3
"""Markdown table of trained models from tools/train_models.sh's logs (LOGS/NAME.train.json,
NAME.test.json, NAME.oov.json): architecture numbers, test accuracy per source engine, target
words vs unknown, the held-out persons together, noise score, out-of-vocabulary rejection,
training time.

usage: models_table.py LOGS_DIR NAME [NAME ...]
"""
import json
import os
import sys


def pct(x):
    return f"{100 * x:.1f} %"


def main():
    logs, names = sys.argv[1], sys.argv[2:]
    print("| model | non-zero weights | MACs dense / sparse-sparse | test accuracy (all) | "
          "per source: espeak / festival (ked) / flite (awb) / silence | target words / "
          "unknown | held-out persons (awb + ked) | noise score (share) | OOV → unknown | "
          "epochs, training time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in names:
        try:
            t = json.load(open(os.path.join(logs, f"{n}.train.json")))
            e = json.load(open(os.path.join(logs, f"{n}.test.json")))
            o = json.load(open(os.path.join(logs, f"{n}.oov.json")))
        except OSError as err:
            print(f"| {n} | missing: {err} |")
            continue
        src = e.get("per_source", {})
        per = " / ".join(pct(src[k]["accuracy"]) if k in src else "–"
                         for k in ("espeak", "festival", "flite", "silence"))
        words = [c for c in e["per_class"] if c not in ("unknown", "silence")]
        wc = sum(e["per_class"][c]["correct"] for c in words)
        wn = sum(e["per_class"][c]["count"] for c in words)
        unk = e["per_class"].get("unknown", {"accuracy": 0})
        # The bar: the two test persons (flite awb, festival ked) together.
        held = [src[k] for k in ("festival", "flite") if k in src]
        held_n = sum(h["count"] for h in held)
        held_s = pct(sum(h["accuracy"] * h["count"] for h in held) / held_n) if held_n else "–"
        levels = len(e.get("noise_levels", [])) or 1
        noise = e.get("noise_score")
        noise_s = f"{noise} ({pct(noise / (levels * e['count']))})" if noise is not None else "–"
        total = t.get("dense_macs")
        print(f"| {n} | {t['nonzeros']:,} | {total / 1e6:.1f} M / {t['sparse_macs'] / 1e6:.2f} M "
              f"| {pct(e['accuracy'])} ({e['count']} clips) | {per} | {pct(wc / wn)} / "
              f"{pct(unk['accuracy'])} | {held_s} | {noise_s} | "
              f"{pct(o['accuracy'])} ({o['count']} clips) "
              f"| {len(t['epochs'])}, {t['total_seconds'] / 60:.1f} min |")


if __name__ == "__main__":
    main()
