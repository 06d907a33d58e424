#!/usr/bin/python3
"""End-to-end test of the audio CLI (label `audio`), on data made at test time.

1. A tiny GSC-layout corpus from tools/corpus/make_corpus.py (espeak-ng + flite, ~70 clips).
2. `features` on corpus clips == the numpy reference (tools/reference/logmel_ref.py) <= 0.1 dB.
3. A 16 kHz clip, its stereo 44.1 kHz and mono 8 kHz versions made with sox: features agree
   (mean |diff| <= 0.05 dB, <= 0.25 dB wherever a cell is above -60 dB; measured 0.0003-0.0034
   and 0.006-0.07) and `infer --wav` gives the same label with scores within 5 % of their spread
   (a dense `make-model` network: continuous, unlike random k-winners whose winners can flip).
4. `eval --json` counts, per-class counts and confusion sums equal what the list files say
   (counted here, independently of the C++ loader); `--noise` adds 11 levels and the score.
5. Malformed inputs: non-zero exit and an error naming the file.
"""
import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys

DIGITS = "zero one two three four five six seven eight nine".split()
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(cmd, expect_ok=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if expect_ok and p.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", p.stdout, p.stderr, file=sys.stderr)
        sys.exit(1)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--tmp", required=True)
    a = ap.parse_args()
    cli, tmp = a.cli, a.tmp
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    ref = os.path.join(a.source, "tools/reference/logmel_ref.py")
    corpus = os.path.join(tmp, "corpus")

    # 1. corpus
    run(["/usr/bin/python3", os.path.join(a.source, "tools/corpus/make_corpus.py"), "--out",
         corpus, "--words", "digits", "--clips-per-word", "6", "--unknown-words", "bed,cat",
         "--clips-per-unknown-word", "3", "--engines", "espeak,flite", "--noise-seconds", "6",
         "--pseudo-speakers", "6", "--seed", "3"])
    # 1b. pseudo-words for "unknown": rhymes and near-misses of targets are filtered out
    sys.path.insert(0, os.path.join(a.source, "tools/corpus"))
    import make_corpus
    targets = make_corpus.DIGITS + make_corpus.COMMANDS
    avoid = [make_corpus.espeak_phonemes(w) for w in targets]
    for w in ["hero", "snow", "fine", "gate", "tree", "kicks", "heaven", "dun", "stock"]:
        check(make_corpus.near_targets(w, avoid), f"pseudo-words: '{w}' counts as near a target")
    for w in ["banana", "purple", "elephant", "guitar", "marvin", "sheila"]:
        check(not make_corpus.near_targets(w, avoid), f"pseudo-words: '{w}' is far from targets")
    pw = make_corpus.pseudo_words(12, 3, targets)
    check(pw == make_corpus.pseudo_words(12, 3, targets) and len(set(pw)) == 12 and
          not set(pw) & set(targets), f"pseudo-words: 12 distinct, reproducible: {' '.join(pw)}")
    wavs = sorted(os.path.join(r, f) for r, _, fs in os.walk(corpus) for f in fs
                  if f.endswith(".wav") and "_background_noise_" not in r)
    check(len(wavs) == 66, f"corpus has 66 clips ({len(wavs)})")

    # 2. features vs reference
    worst = 0.0
    for w in wavs[::11]:
        out = os.path.join(tmp, "f.f32")
        run([cli, "features", "--wav", w, "--out", out])
        p = run(["/usr/bin/python3", ref, w, "--compare", out, "--tol", "0.1"], expect_ok=False)
        diff = float(p.stdout.split()[1]) if p.stdout.startswith("max_abs_diff_db") else math.inf
        worst = max(worst, diff)
        check(p.returncode == 0, f"features of {os.path.relpath(w, corpus)} within 0.1 dB "
                                 f"of the reference ({diff:.5f})")
    print(f"features: worst max abs diff {worst:.5f} dB")

    # 3. infer on 16 kHz, stereo 44.1 kHz and mono 8 kHz versions
    model = os.path.join(tmp, "m.onnx")
    run([cli, "make-model", "--arch", "sparse", "--seed", "5", "--out", model])
    dense = os.path.join(tmp, "dense.onnx")
    run([cli, "make-model", "--arch", "dense", "--seed", "5", "--out", dense])
    for word, voice in [("seven", "en-us"), ("nine", "en-gb+f2"), ("left", "en-029+m3")]:
        raw, orig = os.path.join(tmp, "raw.wav"), os.path.join(tmp, f"{word}16.wav")
        st44, mono8 = os.path.join(tmp, f"{word}44.wav"), os.path.join(tmp, f"{word}8.wav")
        run(["espeak-ng", "-v", voice, "-w", raw, word])
        # Telephone-band original: the 8 kHz copy then carries the same information.
        run(["sox", "-D", raw, "-r", "16000", "-c", "1", "-b", "16", orig, "sinc", "-3400"])
        run(["sox", "-D", orig, "-b", "16", st44, "remix", "1", "1v0.5", "rate", "44100"])
        run(["sox", "-D", orig, "-b", "16", mono8, "rate", "8000"])
        feats, res = {}, {}
        for name, f in [("16k", orig), ("44k stereo", st44), ("8k", mono8)]:
            out = os.path.join(tmp, "v.f32")
            run([cli, "features", "--wav", f, "--out", out])
            feats[name] = struct.unpack("<1024f", open(out, "rb").read())
            res[name] = json.loads(run([cli, "infer", "--model", dense, "--wav", f,
                                        "--json"]).stdout)
        base = res["16k"]["scores"]
        spread = max(base) - min(base)
        for name in ("44k stereo", "8k"):
            pairs = list(zip(feats[name], feats["16k"]))
            mean = sum(abs(x - y) for x, y in pairs) / len(pairs)
            loud = max(abs(x - y) for x, y in pairs if x > -60 or y > -60)
            check(mean <= 0.05 and loud <= 0.25,
                  f"features {word} {name} vs 16k: mean |diff| {mean:.4f} dB, "
                  f"{loud:.4f} dB above -60 dB")
            d = max(abs(x - y) for x, y in zip(res[name]["scores"], base))
            check(res[name]["label"] == res["16k"]["label"],
                  f"infer {word} {name}: label {res[name]['label']} == {res['16k']['label']}")
            check(d <= 0.05 * spread, f"infer {word} {name}: scores within 5% of their spread "
                                      f"(max diff {d:.4f}, spread {spread:.4f})")

    # 4. eval counts against the lists
    val = set(open(os.path.join(corpus, "validation_list.txt")).read().split())
    test = set(open(os.path.join(corpus, "testing_list.txt")).read().split())
    rel = [os.path.relpath(w, corpus) for w in wavs]
    labels = DIGITS + ["unknown", "silence"]
    for split, members in [("test", [r for r in rel if r in test]),
                           ("validation", [r for r in rel if r in val]),
                           ("train", [r for r in rel if r not in val and r not in test]),
                           ("all", rel)]:
        silence = round(0.1 * len(members) / 0.9)
        counts = {l: 0 for l in labels}
        for r in members:
            w = r.split("/")[0]
            counts[w if w in DIGITS else "unknown"] += 1
        counts["silence"] = silence
        p = run([cli, "eval", "--model", model, "--data", corpus, "--split", split, "--json",
                 "--threads", "2"], expect_ok=False)
        if p.returncode != 0:
            check(False, f"eval {split}: {p.stderr.strip()}")
            continue
        j = json.loads(p.stdout)
        check(j["count"] == len(members) + silence,
              f"eval {split}: count {j['count']} == {len(members)} clips + {silence} silence")
        check({k: v["count"] for k, v in j["per_class"].items()} == counts,
              f"eval {split}: per-class counts match the lists")
        conf = j["confusion"]
        check([sum(r) for r in conf] == [counts[l] for l in labels],
              f"eval {split}: confusion rows sum to the class counts")
        trace = sum(conf[i][i] for i in range(len(labels)))
        check(abs(j["accuracy"] - trace / j["count"]) < 1e-12, f"eval {split}: accuracy = trace")
    p = run([cli, "eval", "--model", model, "--data", corpus, "--split", "all", "--noise",
             "--json", "--labels", "commands"])
    j = json.loads(p.stdout)
    check(j["per_class"]["unknown"]["count"] == 66, "eval --labels commands: digits are unknown")
    check(len(j["noise_levels"]) == 11, "eval --noise: 11 levels")
    check(j["noise_score"] == sum(l["correct"] for l in j["noise_levels"]),
          "eval --noise: score = correct answers summed over levels")
    check(j["noise_levels"][0]["correct"] == j["correct"], "eval --noise: alpha 0 = clean")
    check(set(j.get("per_source", {})) >= {"espeak", "flite", "silence"},
          "eval: per-source accuracy from corpus.json")

    # 4b. eval --scores-out: one line per clip, consistent with the JSON and with `infer`
    scores_file = os.path.join(tmp, "scores.jsonl")
    p = run([cli, "eval", "--model", model, "--data", corpus, "--split", "all", "--json",
             "--scores-out", scores_file])
    j = json.loads(p.stdout)
    rows = [json.loads(l) for l in open(scores_file)]
    check(len(rows) == j["count"], f"eval --scores-out: {len(rows)} lines == {j['count']} clips")
    check(all(labels[max(range(len(r["scores"])), key=lambda i: r["scores"][i])] == r["predicted"]
              for r in rows), "eval --scores-out: predicted = argmax of scores")
    check(sum(r["predicted"] == r["truth"] for r in rows) == j["correct"],
          "eval --scores-out: correct rows == JSON correct")
    check({l: sum(r["truth"] == l for r in rows) for l in labels} ==
          {k: v["count"] for k, v in j["per_class"].items()}, "eval --scores-out: truth counts")
    one = next(r for r in rows if r["path"])
    p = run([cli, "infer", "--model", model, "--wav", os.path.join(corpus, one["path"]), "--json"])
    d = max(abs(x - y) for x, y in zip(json.loads(p.stdout)["scores"], one["scores"]))
    check(d < 1e-3, f"eval --scores-out: {one['path']} scores match infer --wav (max diff {d:.2e})")

    # 5. malformed inputs through the CLI
    bad = {}
    bad["text.wav"] = b"just some text, not audio\n"
    good = open(os.path.join(tmp, "seven16.wav"), "rb").read()
    bad["truncated.wav"] = good[: len(good) // 2]
    bad["lying.wav"] = good[:40] + struct.pack("<I", 0x7FFFFFF0) + good[44:]
    bad["empty.wav"] = b""
    nan = struct.pack("<f", float("nan")) * 100
    bad["nan.wav"] = (b"RIFF" + struct.pack("<I", 36 + len(nan)) + b"WAVEfmt " +
                      struct.pack("<IHHIIHH", 16, 3, 1, 16000, 64000, 4, 32) + b"data" +
                      struct.pack("<I", len(nan)) + nan)
    for name, data in bad.items():
        path = os.path.join(tmp, name)
        open(path, "wb").write(data)
        for cmd in ([cli, "infer", "--model", model, "--wav", path],
                    [cli, "features", "--wav", path, "--out", os.path.join(tmp, "x.f32")]):
            p = run(cmd, expect_ok=False)
            check(p.returncode == 1 and path in p.stderr and "error" in p.stderr,
                  f"{cmd[1]} rejects {name}: {p.stderr.strip()}")
    p = run([cli, "eval", "--model", model, "--data", os.path.join(tmp, "nowhere")],
            expect_ok=False)
    check(p.returncode == 1 and "nowhere" in p.stderr, f"eval rejects a missing folder")

    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
