#!/usr/bin/python3
"""Every shipped model in resources/models/ loads and classifies a generated clip of each of its
words (label `models`).

For each model (its labels from `sparselab-cli info --json`) and each word of its scheme, three
clips are synthesised at test time by three voices: espeak-ng en-us, flite kal16 and flite slt,
each trimmed, centred in 1 s at 16 kHz with a faint pink-noise floor 40 dB below the word (as a
quiet microphone records it). A word passes when at least two of its three clips are classified
as that word by `sparselab-cli infer --wav` (cpu-sparse, the fastest mode the model allows);
every word of every model must pass. Silence is checked with a clip of the noise floor alone.

usage: shipped_models_test.py CLI MODELS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

SR = 16000


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def make_clip(voice, word, path, tmp):
    raw = os.path.join(tmp, "raw.wav")
    if voice.startswith("espeak:"):
        run(["espeak-ng", "-v", voice.split(":", 1)[1], "-w", raw, word])
    else:
        run(["flite", "-voice", voice.split(":", 1)[1], "-t", word, "-o", raw])
    # trim silence at both ends, 16 kHz mono, then centre in 1 s (pad or squeeze with tempo)
    trimmed = os.path.join(tmp, "trim.wav")
    run(["sox", "-R", raw, "-r", str(SR), "-c", "1", "-b", "16", trimmed, "silence", "1", "0.02",
         "0.3%", "reverse", "silence", "1", "0.02", "0.3%", "reverse", "norm", "-3"])
    dur = float(run(["soxi", "-D", trimmed]).stdout.decode())
    word_wav = trimmed
    if dur > 0.95:
        word_wav = os.path.join(tmp, "tempo.wav")
        run(["sox", "-R", trimmed, word_wav, "tempo", "-s", f"{dur / 0.95:.4f}"])
        dur = float(run(["soxi", "-D", word_wav]).stdout.decode())
    pad = max(0.0, (1.0 - dur) / 2)
    padded = os.path.join(tmp, "pad.wav")
    run(["sox", "-R", word_wav, padded, "pad", f"{pad:.4f}", f"{pad:.4f}", "trim", "0", "1"])
    noise = os.path.join(tmp, "noise.wav")
    run(["sox", "-R", "-n", "-r", str(SR), "-c", "1", "-b", "16", noise, "synth", "1",
         "pinknoise", "vol", "0.01"])  # about -40 dB re the normalised word
    run(["sox", "-R", "-m", padded, noise, "-b", "16", path, "trim", "0", "1"])


def classify(cli, model, wav):
    out = run([cli, "infer", "-m", model, "--wav", wav, "--backend", "cpu-sparse", "--json"])
    return json.loads(out.stdout)["label"]


def main():
    cli, models_dir = sys.argv[1:3]
    models = sorted(f for f in os.listdir(models_dir) if f.endswith(".onnx"))
    if not models:
        print(f"no models in {models_dir}")
        return 1
    voices = ["espeak:en-us", "flite:kal16", "flite:slt"]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = {}
        for m in models:
            path = os.path.join(models_dir, m)
            info = json.loads(run([cli, "info", "-m", path, "--json"]).stdout)
            labels = info["labels"]
            for word in labels:
                if word == "unknown":
                    continue
                if word == "silence":
                    wav = os.path.join(tmp, "silence.wav")
                    run(["sox", "-R", "-n", "-r", str(SR), "-c", "1", "-b", "16", wav, "synth",
                         "1", "pinknoise", "vol", "0.01"])
                    got = classify(cli, path, wav)
                    print(f"{m}: silence -> {got}")
                    if got != "silence":
                        failures.append(f"{m}: a clip of faint noise was classified '{got}'")
                    continue
                got = []
                for v in voices:
                    key = (v, word)
                    if key not in clips:
                        clips[key] = os.path.join(tmp, f"{v.replace(':', '_')}_{word}.wav")
                        make_clip(v, word, clips[key], tmp)
                    got.append(classify(cli, path, clips[key]))
                ok = sum(g == word for g in got)
                print(f"{m}: {word:8s} -> {', '.join(f'{v}={g}' for v, g in zip(voices, got))}"
                      f"  {'ok' if ok >= 2 else 'FAIL'}")
                if ok < 2:
                    failures.append(f"{m}: '{word}' recognised in {ok} of 3 voices ({got})")
    if failures:
        print("\n".join(["FAILED:"] + failures))
        return 1
    print(f"all words of {len(models)} models recognised")
    return 0


if __name__ == "__main__":
    sys.exit(main())
