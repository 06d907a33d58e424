#!/usr/bin/python3
"""Generate a speech corpus in the Google Speech Commands (GSC) layout from Debian's synthesizers.

    <out>/<word>/<speaker>_nohash_<n>.wav     16 kHz mono 16-bit, <= 1 s
    <out>/validation_list.txt, testing_list.txt
    <out>/_background_noise_/*.wav            white, pink, brown noise, mains hum, babble
    <out>/corpus.json                         how every clip was made (engine, voice, split...)

Engines: espeak-ng (8 English accents x its voice variants), flite (kal16, awb, rms, slt) and,
when installed, festival (kal_diphone, ked_diphone, cmu_us_slt_arctic_hts). flite and festival
voices (real people behind them) become many pseudo-speakers through pitch/tempo/formant-like
changes. Every clip is augmented like a real microphone recording: faint noise floor always,
background noise at 0-20 dB SNR, +-100 ms shift, tempo/pitch, reverb, telephone band-limiting,
level changes, sometimes shorter than 1 s.

Splits follow GSC's hashing rule (which_set() of the corpus README) applied to the speaker
*group*: all pseudo-speakers made from one underlying voice share a group, so variants of one
voice never straddle train and test. Reproducible from --seed (same seed, same files).

Examples:
  make_corpus.py --out /tmp/tiny --words digits --clips-per-word 8 --unknown-words bed,cat \\
      --noise-seconds 8                                  # ~100 clips, seconds
  make_corpus.py --out ~/gsc-gen --words digits,commands --clips-per-word 800 --jobs 2
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from multiprocessing import Pool

import numpy as np

SR = 16000
DIGITS = "zero one two three four five six seven eight nine".split()
COMMANDS = "yes no up down left right on off stop go".split()
GSC_OTHERS = ("bed bird cat dog happy house marvin sheila tree wow backward forward follow "
              "learn visual").split()
EXTRA_UNKNOWN = ("about again animal baby better bottle button city coffee doctor eleven "
                 "garden hello kitchen later little maybe money morning number open orange "
                 "people please rabbit river second summer thirty today twenty under window "
                 "yellow").split()
# More "unknown" words, many sharing vowels or consonants with the targets (the words unseen
# voices confuse first). Exact homophones of targets (for, to, ate, won, know) are left out.
MORE_UNKNOWN = ("fifty forty thirteen hundred thousand million "
                "heaven even given kevin oven driven ten twelve wine line mine fine sign time "
                "fever fire hero zebra series clear near free tea "
                "mix fix wave gate late wait great wonder "
                "door floor boat coat note goal show snow slow toe tone "
                "yet yard light night write kite white "
                "stone stay stack step star start log fog cog "
                "dollar hollow").split()
# Words for out-of-vocabulary tests: never in any other list of this file, so a model trained
# on a corpus made from the lists above has never heard them.
OOV_WORDS = ("apple chair music paper table water purple guitar pencil tiger banana camera "
             "garlic jacket lemon monkey napkin pillow rocket sugar turtle violin "
             "wallet").split()

ESPEAK_ACCENTS = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
                  "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
ESPEAK_SKIP_VARIANTS = {"whisper", "female_whisper", "fast_test"}  # poorly intelligible
FLITE_VOICES = {"kal16": "kal", "awb": "awb", "rms": "rms", "slt": "slt"}  # voice -> person
FESTIVAL_VOICES = {"kal_diphone": "kal", "ked_diphone": "ked", "cmu_us_slt_arctic_hts": "slt"}
# GSC's input_data.which_set(): MAX_NUM_WAVS_PER_CLASS = 2**27 - 1
MAX_NUM_WAVS_PER_CLASS = 2 ** 27 - 1


def which_set(key, validation_percentage, testing_percentage):
    """GSC's rule: sha1 of the (speaker) key, as a number, to a percentage."""
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16)
    percentage = (h % (MAX_NUM_WAVS_PER_CLASS + 1)) * (100.0 / MAX_NUM_WAVS_PER_CLASS)
    if percentage < validation_percentage:
        return "validation"
    if percentage < testing_percentage + validation_percentage:
        return "testing"
    return "training"


def parse_words(spec):
    words = []
    for token in [t.strip() for t in spec.split(",") if t.strip()]:
        group = {"digits": DIGITS, "commands": COMMANDS, "gsc-others": GSC_OTHERS,
                 "extra": EXTRA_UNKNOWN, "more": MORE_UNKNOWN,
                 "oov": OOV_WORDS}.get(token, [token])
        for w in group:
            if not re.fullmatch(r"[a-z][a-z'_-]*", w):
                sys.exit(f"make_corpus: word '{w}' must be lower-case letters")
            if w not in words:
                words.append(w)
    return words


# Pseudo-words (--pseudo-words): pronounceable letter strings, one to three syllables.
_ONSETS = ("b bl br d dr f fl fr g gl gr h j k kl kr l m n p pl pr r s sk sl sm sn sp st sw t tr "
           "v w z ch sh th").split() + [""]
_NUCLEI = "a e i o u ai ee oo ou oa ay aw".split()
_CODAS = "b d g k l m n p r s t ck ng nt sk mp lt rd ft".split() + [""] * 4
_ESPEAK_VOWELS = set("aeiouAEIOUV03@")


def espeak_phonemes(word):
    """espeak-ng's phoneme mnemonics of a word (en-us), without stress marks or spaces."""
    out = run(["espeak-ng", "-q", "-x", "-v", "en-us", word]).stdout.decode()
    return re.sub(r"[\s',%=_:]", "", out)


def _rhyme(ph):
    """From the last vowel group to the end: the part that makes words rhyme."""
    i = len(ph)
    while i > 0 and ph[i - 1] not in _ESPEAK_VOWELS:
        i -= 1
    while i > 0 and ph[i - 1] in _ESPEAK_VOWELS:
        i -= 1
    return ph[i:]


def _edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near_targets(word, avoid_ph):
    """True when the word's espeak phonemes are within 2 edits of, or rhyme with, any of the
    phoneme strings `avoid_ph` (espeak_phonemes of the target words)."""
    ph = espeak_phonemes(word)
    return (any(_rhyme(ph) == _rhyme(a) for a in avoid_ph) or
            any(_edit_distance(ph, a) <= 2 for a in avoid_ph))


def pseudo_words(n, seed, avoid):
    """n pronounceable non-words for the "unknown" class, deterministic from seed. A candidate is
    dropped when its espeak phonemes are within 2 edits of any word in `avoid` (the targets) or
    rhyme with one (same last vowel group and coda: "blow" for "no"/"go"/"zero"), so that
    "unknown" never learns a target's sound; also when it is a word of this file's lists."""
    r = random.Random(f"pseudo:{seed}")
    avoid_ph = [espeak_phonemes(w) for w in avoid]
    listed = set(DIGITS + COMMANDS + GSC_OTHERS + EXTRA_UNKNOWN + MORE_UNKNOWN + OOV_WORDS)
    words, tries = [], 0
    while len(words) < n:
        tries += 1
        if tries > 200 * n:
            sys.exit(f"make_corpus: could only make {len(words)} of {n} pseudo-words")
        syllables = r.choice([1, 1, 1, 2, 2, 3])  # targets have one or two
        w = "".join(r.choice(_ONSETS) + r.choice(_NUCLEI) +
                    (r.choice(_CODAS) if k == syllables - 1 else "")
                    for k in range(syllables))
        if len(w) < 3 or w in listed or w in words:
            continue
        if near_targets(w, avoid_ph):
            continue
        words.append(w)
    return words


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def espeak_variants():
    out = run(["espeak-ng", "--voices=variant"]).stdout.decode().splitlines()[1:]
    names = sorted({line.split()[3] for line in out if len(line.split()) >= 4})
    return [n for n in names if n not in ESPEAK_SKIP_VARIANTS]


def festival_available():
    return shutil.which("text2wave") is not None


def festival_voices(table=None):
    base = "/usr/share/festival/voices"
    table = FESTIVAL_VOICES if table is None else table
    langs = [d for d in os.listdir(base)] if os.path.isdir(base) else []
    return [v for v in table if any(os.path.isdir(os.path.join(base, lang, v)) for lang in langs)]


def sha8(text):
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def build_speakers(engines, rng, pseudo):
    """Speakers: dicts with engine, voice, group (underlying voice) and rendering params."""
    speakers = []
    if "espeak" in engines:
        for accent in ESPEAK_ACCENTS:
            for variant in espeak_variants():
                key = f"espeak:{accent}+{variant}"
                r = random.Random(key)
                speakers.append({"engine": "espeak", "voice": f"{accent}+{variant}",
                                 "group": key, "key": key,
                                 "pitch": r.randint(25, 75), "speed": r.randint(130, 185),
                                 "cents": 0, "tempo": 1.0})
    voices = []
    if "flite" in engines:
        voices += [("flite", v, p) for v, p in FLITE_VOICES.items()]
    if "festival" in engines:
        voices += [("festival", v, FESTIVAL_VOICES[v]) for v in festival_voices()]
    if "festival-l2" in engines:
        voices += [("festival-l2", v, L2_VOICES[v][0]) for v in festival_voices(L2_VOICES)]
    for engine, voice, person in voices:
        for i in range(pseudo):
            key = f"{engine}:{voice}:{i}"
            r = random.Random(key)
            speakers.append({"engine": engine, "voice": voice, "group": f"person:{person}",
                             "key": key, "cents": 0 if i == 0 else r.randint(-450, 450),
                             "tempo": 1.0 if i == 0 else round(r.uniform(0.85, 1.2), 3)})
    for s in speakers:
        s["id"] = sha8(s["key"])
    return speakers


FEMALE_VOICES = {"slt", "cmu_us_slt_arctic_hts", "lp_diphone", "czech_dita",
                 "suo_fi_lj_diphone", "upc_ca_ona_hts"}

# Engine "festival-l2": festival voices of other languages (real recorded people: Italian lp/pc,
# Czech dita/krb/machac/ph, Finnish lj/mv, Catalan ona, Russian nsh) saying the target words as
# a speaker of that language would, from respellings in the language's own (phonetic)
# orthography; other words are read as spelled, i.e. with that language's letter-to-sound rules
# (the Russian voice reads Latin letters too). They add vocal tracts and accents that the three
# English-speaking persons cannot (Debian has no more English voices). Debian's Indian voices
# (festvox-hi-nsk, -mr-nsk, -te-nsk) were tried and left out: their words come out about 0.15 s
# long, and pocketsphinx recognised 1-3 of the 20 target words from them (Russian: 12 of 20).
# Voice -> (person, language).
L2_VOICES = {"lp_diphone": ("it-lp", "it"), "pc_diphone": ("it-pc", "it"),
             "czech_dita": ("cs-dita", "cs"), "czech_krb": ("cs-krb", "cs"),
             "czech_machac": ("cs-machac", "cs"), "czech_ph": ("cs-ph", "cs"),
             "suo_fi_lj_diphone": ("fi-lj", "fi"), "hy_fi_mv_diphone": ("fi-mv", "fi"),
             "upc_ca_ona_hts": ("ca-ona", "ca"), "msu_ru_nsh_clunits": ("ru-nsh", "ru")}
_L2_BASE = {"zero": "ziro", "one": "uan", "two": "tu", "three": "tri", "four": "for",
            "five": "faiv", "six": "siks", "seven": "seven", "eight": "eit", "nine": "nain",
            "yes": "ies", "no": "nou", "up": "ap", "down": "daun", "left": "left",
            "right": "rait", "on": "on", "off": "of", "stop": "stop", "go": "gou"}
L2_RESPELL = {
    "it": _L2_BASE,
    "ca": dict(_L2_BASE, six="sics"),
    "cs": dict(_L2_BASE, zero="zirou", five="fajv", seven="sevn", eight="ejt", nine="najn",
               yes="jes", right="rajt"),
    "fi": dict(_L2_BASE, zero="siirou", two="tuu", three="trii", four="foor", yes="jes"),
    "ru": dict(zip(_L2_BASE, "зиро уан ту сри фо файв сикс севен эйт найн йес ноу ап даун лефт "
                             "райт он оф стоп гоу".split())),
}


def l2_text(voice, word):
    return L2_RESPELL[L2_VOICES[voice][1]].get(word, word)


def prosody(engine, voice, word, j):
    """Rendition j of a word by a flite/festival voice: the synthesizer's own duration, F0 and
    intonation (punctuation) controls, so one recorded person says a word in many ways instead
    of once. Rendition 0 is the voice's default. Deterministic from the key."""
    text = l2_text(voice, word) if engine == "festival-l2" else word
    if j == 0:
        return {"text": text, "stretch": 1.0, "f0": 1.0, "f0_std": 1.0}
    r = random.Random(f"prosody:{engine}:{voice}:{word}:{j}")
    return {"text": text + r.choice(["", ".", "?", "!", ","]),
            "stretch": round(r.uniform(0.8, 1.35), 3), "f0": round(r.uniform(0.8, 1.3), 3),
            "f0_std": round(r.uniform(0.5, 1.8), 3)}


def synth_raw(engine, voice, word, path, pitch=50, speed=160, pros=None):
    if engine == "espeak":
        run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", path, word])
    elif engine == "flite":
        cmd = ["flite", "-voice", voice, "-t", pros["text"] if pros else word, "-o", path]
        if pros and pros != prosody(engine, voice, word, 0):
            base, std = (170.0, 25.0) if voice in FEMALE_VOICES else (105.0, 15.0)
            cmd += ["--setf", f"duration_stretch={pros['stretch']}",
                    "--setf", f"int_f0_target_mean={base * pros['f0']:.1f}",
                    "--setf", f"int_f0_target_stddev={std * pros['f0_std']:.1f}"]
        run(cmd)
    elif engine in ("festival", "festival-l2"):
        festival_batch(voice, [(pros or prosody(engine, voice, word, 0), path)])
    else:
        raise ValueError(engine)


_FESTIVAL_DEF = """(define (sl-synth voice text stretch f0mul stdmul out)
  (eval (list voice))
  (Parameter.set 'Duration_Stretch stretch)
  (if (and (boundp 'int_lr_params) int_lr_params (assoc 'target_f0_mean int_lr_params))
      (set! int_lr_params
        (list (list 'target_f0_mean (* f0mul (car (cdr (assoc 'target_f0_mean int_lr_params)))))
              (list 'target_f0_std (* stdmul (car (cdr (assoc 'target_f0_std int_lr_params)))))
              (assoc 'model_f0_mean int_lr_params)
              (assoc 'model_f0_std int_lr_params))))
  (utt.save.wave (utt.synth (eval (list 'Utterance 'Text text))) out 'riff))
"""


def festival_batch(voice, items):
    """Synthesises many (prosody, path) items with one festival process (its start-up, ~1 s,
    would otherwise dominate). F0 scaling applies to the diphone voices' LR intonation model;
    the HTS voice keeps its own F0 (sox pitch shifts it later)."""
    def q(t):
        return '"' + t.replace("\\", "").replace('"', "") + '"'
    lines = [_FESTIVAL_DEF]
    for pros, path in items:
        lines.append(f"(sl-synth 'voice_{voice} {q(pros['text'])} {pros['stretch']} "
                     f"{pros['f0']} {pros['f0_std']} {q(path)})")
    with tempfile.NamedTemporaryFile("w", suffix=".scm", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        script = f.name
    try:
        run(["festival", "-b", script])
    except subprocess.CalledProcessError as e:
        if len(items) == 1:
            pros, path = items[0]
            neutral = {"text": pros["text"].rstrip(".?!,"), "stretch": 1.0, "f0": 1.0,
                       "f0_std": 1.0}
            if pros == neutral:  # name what festival could not say
                raise RuntimeError(f"festival voice_{voice} failed ({e.returncode}) on "
                                   f"{pros}") from None
            # Some voices (the Czech and Finnish diphone sets) crash festival on a few
            # stretch/F0 combinations; that rendition becomes the voice's neutral one.
            print(f"make_corpus: festival voice_{voice} crashed ({e.returncode}) on {pros}; "
                  "using its neutral prosody", file=sys.stderr)
            festival_batch(voice, [(neutral, path)])
        else:
            for item in items:  # find the culprit: one process per item
                if not os.path.exists(item[1]):
                    festival_batch(voice, [item])
    finally:
        os.remove(script)
    for _, path in items:
        if not os.path.exists(path):
            raise RuntimeError(f"festival {voice}: no audio written for {path}")


def sox_to_float(inp, effects):
    """Runs sox on a file and returns 16 kHz mono float32 samples (no dither, repeatable)."""
    cmd = ["sox", "-R", "-D", inp, "-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1",
           "-"] + effects + ["rate", "-h", str(SR)]
    return np.frombuffer(run(cmd).stdout, dtype="<f4").astype(np.float64)


def read_wav16(path):
    with wave.open(path, "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768


def write_wav16(path, x):
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    tmp = path + ".tmp"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def rms(x):
    return float(np.sqrt(np.mean(x * x) + 1e-20))


def coloured_noise(rng, n, colour):
    white = rng.standard_normal(n)
    if colour == "white":
        return white
    spec = np.fft.rfft(white)
    f = np.fft.rfftfreq(n, 1.0 / SR)
    f[0] = f[1]
    spec /= np.sqrt(f) if colour == "pink" else f
    return np.fft.irfft(spec, n)


def make_background(out_dir, seconds, seed, engines, words, tmp):
    """Writes _background_noise_ files: sox-made white/pink/brown noise, hum, babble."""
    d = os.path.join(out_dir, "_background_noise_")
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(seed)
    files = {}
    for colour in ("white", "pink", "brown"):
        path = os.path.join(d, f"{colour}_noise.wav")
        run(["sox", "-R", "-D", "-n", "-r", str(SR), "-c", "1", "-b", "16", path, "synth",
             str(seconds), f"{colour}noise", "vol", "0.5"])
        files[colour] = path
    t = np.arange(int(seconds * SR)) / SR
    mains = 50.0 if rng.random() < 0.5 else 60.0
    hum = sum(a * np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 6.28))
              for k, a in [(1, 1.0), (2, 0.5), (3, 0.35), (5, 0.15), (7, 0.08)])
    hum = hum + 0.05 * coloured_noise(rng, len(t), "pink") / rms(coloured_noise(rng, 1000, "pink"))
    write_wav16(os.path.join(d, "mains_hum.wav"), 0.5 * hum / np.max(np.abs(hum)))
    files["hum"] = os.path.join(d, "mains_hum.wav")
    # Babble: overlapping sentences of random words from several espeak voices.
    babble = np.zeros(len(t))
    vocab = words + GSC_OTHERS + EXTRA_UNKNOWN
    r = random.Random(seed)
    for i in range(6):
        sentence = " ".join(r.choice(vocab) for _ in range(int(seconds * 3)))
        raw = os.path.join(tmp, f"babble{i}.wav")
        synth_raw("espeak", r.choice(ESPEAK_ACCENTS) + r.choice(["+m1", "+f2", "+m3", "+f4"]),
                  sentence, raw, pitch=r.randint(30, 70), speed=r.randint(150, 190))
        x = sox_to_float(raw, [])
        x = np.tile(x, int(np.ceil(len(t) / max(len(x), 1))))[: len(t)]
        babble += np.roll(x, r.randint(0, len(t))) / (rms(x) + 1e-9)
    write_wav16(os.path.join(d, "babble.wav"), 0.5 * babble / np.max(np.abs(babble)))
    files["babble"] = os.path.join(d, "babble.wav")
    return files


# --- per-clip work (runs in pool workers) ---------------------------------------------------
_NOISE = None


def _init_worker(noise_files):
    global _NOISE
    _NOISE = [read_wav16(p) for p in noise_files]


def render_clip(task):
    """Synthesises (or takes the cached raw) word, augments it and writes the final clip."""
    rng = np.random.default_rng(task["seed"])
    r = random.Random(task["seed"])
    s = task["speaker"]
    raw = task["raw"]
    if s["engine"] == "espeak":
        raw = task["out"] + ".raw.wav"
        synth_raw("espeak", s["voice"], task["word"], raw, s["pitch"], s["speed"])
    aug = {}
    effects = ["silence", "1", "0.02", "0.3%", "reverse", "silence", "1", "0.02", "0.3%",
               "reverse"]
    cents = s["cents"] + (r.randint(-150, 150) if r.random() < 0.5 else 0)
    tempo = s["tempo"] * (r.uniform(0.9, 1.1) if r.random() < 0.5 else 1.0)
    if cents:
        effects += ["pitch", str(cents)]
        aug["pitch_cents"] = cents
    if abs(tempo - 1.0) > 1e-3:
        effects += ["tempo", "-s", f"{tempo:.3f}"]
        aug["tempo"] = round(tempo, 3)
    # pitch/tempo change sox's internal rate: back to 16 kHz before filters that need it
    effects += ["rate", "-h", str(SR)]
    if r.random() < 0.25:  # telephone / cheap microphone band
        lo, hi = r.choice([(300, 3400), (200, 4000), (100, 6000)])
        effects += ["sinc", f"{lo}-{hi}"]
        aug["band"] = [lo, hi]
    if r.random() < 0.3:
        rev = r.randint(10, 60)
        effects += ["reverb", str(rev), "50", str(r.randint(20, 100))]
        aug["reverb"] = rev
    try:
        x = sox_to_float(raw, effects)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"{task['out']}: sox {' '.join(effects)} failed: "
                           f"{e.stderr.decode(errors='replace').strip()}") from None
    if s["engine"] == "espeak":
        os.remove(raw)
    if len(x) < 160:
        raise RuntimeError(f"{task['out']}: synthesis produced no audio")
    limit = int(0.95 * SR)
    if len(x) > limit:  # squeeze long renditions into the 1 s window
        x = np.interp(np.linspace(0, len(x) - 1, limit), np.arange(len(x)), x)
        aug["squeezed"] = True
    x = x / (np.max(np.abs(x)) + 1e-9) * r.uniform(0.15, 0.9)
    out = np.zeros(SR)
    start = (SR - len(x)) // 2 + r.randint(-1600, 1600)
    start = min(max(start, 0), SR - len(x))
    out[start:start + len(x)] = x
    aug["shift_ms"] = round(1000 * (start - (SR - len(x)) // 2) / SR)
    speech = rms(x)
    floor_db = r.uniform(15, 48)  # always a faint floor: digital silence confuses models
    out += coloured_noise(rng, SR, r.choice(["white", "pink"])) * speech * 10 ** (-floor_db / 20)
    aug["floor_db"] = round(floor_db, 1)
    if _NOISE and r.random() < 0.8:
        k = r.randrange(len(_NOISE))
        noise = _NOISE[k]
        at = r.randrange(max(1, len(noise) - SR))
        seg = noise[at:at + SR]
        seg = np.pad(seg, (0, SR - len(seg)))
        snr = r.uniform(0, 20)
        out += seg / rms(seg) * speech * 10 ** (-snr / 20)
        aug["noise"] = {"file": k, "snr_db": round(snr, 1)}
    peak = np.max(np.abs(out))
    if peak > 0.99:
        out *= 0.99 / peak
    if r.random() < 0.1:  # GSC has clips shorter than 1 s
        end = min(SR, start + len(x) + r.randint(800, 3200))
        out = out[:max(end, SR // 2)]
        aug["short"] = len(out)
    write_wav16(task["out"], out)
    return aug


def synth_cached(job):
    """One flite rendition, or a batch of festival renditions of one voice."""
    if job[0] in ("festival", "festival-l2"):
        festival_batch(job[1], job[2])
        return None
    engine, voice, word, j, path = job
    synth_raw(engine, voice, word, path, pros=prosody(engine, voice, word, j))
    return path


def main():
    ap = argparse.ArgumentParser(description="Generate a GSC-layout speech corpus.",
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--out", required=True, help="output folder (created; must be empty)")
    ap.add_argument("--words", default="digits,commands",
                    help="target words: digits, commands, gsc-others, extra or a comma list")
    ap.add_argument("--unknown-words", default="gsc-others,extra",
                    help="other words (for 'unknown'); 'none' for no extra words")
    ap.add_argument("--pseudo-words", type=int, default=0,
                    help="also N generated pseudo-words (never near a target's sound) as "
                         "unknown words")
    ap.add_argument("--clips-per-word", type=int, default=100)
    ap.add_argument("--clips-per-unknown-word", type=int, default=None,
                    help="default: a third of --clips-per-word (at least 1)")
    ap.add_argument("--engines", default="espeak,flite,festival",
                    help="subset of espeak,flite,festival,festival-l2 (festival voices of "
                         "other languages saying respelled words); uninstalled ones skipped")
    ap.add_argument("--engine-weights", default="espeak=0.35,flite=0.35,festival=0.3",
                    help="share of clips per engine (renormalised over available engines)")
    ap.add_argument("--pseudo-speakers", type=int, default=40,
                    help="pseudo-speakers per flite/festival voice")
    ap.add_argument("--prosody", type=int, default=1,
                    help="renditions (duration, F0, intonation) per flite/festival voice and "
                         "word; 1 = each voice says each word once, as before")
    ap.add_argument("--split-key", choices=["group", "speaker"], default="group",
                    help="hash the underlying voice (group, no leakage) or each speaker")
    ap.add_argument("--test-groups", default="",
                    help="comma list of groups (e.g. person:awb,person:ked) put in the test "
                         "split whatever their hash; hashing decides the others")
    ap.add_argument("--validation-groups", default="",
                    help="comma list of groups put in the validation split")
    ap.add_argument("--validation-percent", type=float, default=10.0)
    ap.add_argument("--testing-percent", type=float, default=10.0)
    ap.add_argument("--noise-seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()

    t0 = time.time()
    words = parse_words(a.words)
    unknown = [] if a.unknown_words == "none" else \
        [w for w in parse_words(a.unknown_words) if w not in words]
    if a.pseudo_words > 0:
        unknown += [w for w in pseudo_words(a.pseudo_words, a.seed, words) if w not in unknown]
    per_unknown = a.clips_per_unknown_word if a.clips_per_unknown_word is not None else \
        max(1, a.clips_per_word // 3)
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ("espeak", "flite", "festival", "festival-l2"):
            sys.exit(f"make_corpus: unknown engine '{e}'")
    if "festival" in engines and not (festival_available() and festival_voices()):
        print("make_corpus: festival not installed; skipping it", file=sys.stderr)
        engines.remove("festival")
    if "festival-l2" in engines and not (festival_available() and festival_voices(L2_VOICES)):
        print("make_corpus: no festival voices of other languages installed (festvox-italp16k "
              "...); skipping festival-l2", file=sys.stderr)
        engines.remove("festival-l2")
    if not engines:
        sys.exit("make_corpus: no engine available")
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit(f"make_corpus: {a.out} exists and is not empty")
    os.makedirs(a.out, exist_ok=True)

    rng = random.Random(a.seed)
    speakers = build_speakers(engines, rng, a.pseudo_speakers)
    by_engine = {e: [s for s in speakers if s["engine"] == e] for e in engines}
    weights = dict(kv.split("=") for kv in a.engine_weights.split(","))
    weights = {e: float(weights.get(e, 0)) for e in engines}
    if sum(weights.values()) <= 0:
        weights = {e: 1.0 for e in engines}

    # Plan every clip up front (deterministic from the seed).
    plan = []
    counts = {}
    for word in words + unknown:
        n = a.clips_per_word if word in words else per_unknown
        for _ in range(n):
            engine = rng.choices(engines, [weights[e] for e in engines])[0]
            s = rng.choice(by_engine[engine])
            idx = counts.get((s["id"], word), 0)
            counts[(s["id"], word)] = idx + 1
            plan.append({"word": word, "speaker": s, "n": idx, "seed": rng.getrandbits(63)})

    tmp = tempfile.mkdtemp(prefix="corpus-", dir=a.out)
    try:
        noise = make_background(a.out, a.noise_seconds, a.seed, engines, words, tmp)
        noise_files = [noise[k] for k in sorted(noise)]
        # Deterministic engines (flite, festival) are synthesised once per voice and word.
        # Each clip picks one of --prosody renditions of its word by its voice.
        cache = {}
        jobs = []
        festival_items = {}
        for p in plan:
            s = p["speaker"]
            if s["engine"] != "espeak":
                j = random.Random(p["seed"]).randrange(max(1, a.prosody))
                key = (s["engine"], s["voice"], p["word"], j)
                if key not in cache:
                    cache[key] = os.path.join(
                        tmp, f"{s['engine']}_{s['voice']}_{p['word']}_{j}.wav")
                    if s["engine"] in ("festival", "festival-l2"):
                        festival_items.setdefault(s["voice"], []).append(
                            (prosody(*key), cache[key]))
                    else:
                        jobs.append(key + (cache[key],))
                p["raw"] = cache[key]
                p["prosody"] = j
            else:
                p["raw"] = None
        for voice, items in sorted(festival_items.items()):
            for i in range(0, len(items), 40):
                jobs.append(("festival", voice, items[i:i + 40]))
        for w in set(p["word"] for p in plan):
            os.makedirs(os.path.join(a.out, w), exist_ok=True)
        for p in plan:
            p["rel"] = f"{p['word']}/{p['speaker']['id']}_nohash_{p['n']}.wav"
            p["out"] = os.path.join(a.out, p["rel"])
        with Pool(max(1, a.jobs), initializer=_init_worker, initargs=(noise_files,)) as pool:
            pool.map(synth_cached, jobs, chunksize=4)
            augs = pool.map(render_clip, plan, chunksize=8)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    forced = {g: "testing" for g in a.test_groups.split(",") if g}
    forced.update({g: "validation" for g in a.validation_groups.split(",") if g})
    lists = {"validation": [], "testing": []}
    manifest = []
    for p, aug in zip(plan, augs):
        s = p["speaker"]
        if s["group"] in forced:
            split = forced[s["group"]]
        elif s["engine"] != "espeak" and forced:
            split = "training"  # with explicit person groups, the other persons train
        else:
            split = which_set(s["group"] if a.split_key == "group" else s["id"],
                              a.validation_percent, a.testing_percent)
        if split in lists:
            lists[split].append(p["rel"])
        manifest.append({"path": p["rel"], "word": p["word"], "engine": s["engine"],
                         "voice": s["voice"], "speaker": s["id"], "group": s["group"],
                         "split": split, "prosody": p.get("prosody"), "augment": aug})
    for name, items in lists.items():
        with open(os.path.join(a.out, f"{name}_list.txt"), "w") as f:
            f.writelines(x + "\n" for x in sorted(items))
    elapsed = time.time() - t0
    summary = {
        "seed": a.seed, "words": words, "unknown_words": unknown, "engines": engines,
        "clips": len(plan), "speakers": len({p["speaker"]["id"] for p in plan}),
        "groups": len({p["speaker"]["group"] for p in plan}),
        "split_key": a.split_key, "test_groups": sorted(g for g, v in forced.items()
                                                         if v == "testing"),
        "validation_groups": sorted(g for g, v in forced.items() if v == "validation"),
        "prosody": a.prosody,
        "per_split": {k: sum(1 for m in manifest if m["split"] == k)
                      for k in ("training", "validation", "testing")},
        "per_engine": {e: sum(1 for m in manifest if m["engine"] == e) for e in engines},
        "noise_files": sorted(os.path.basename(f) for f in noise_files),
        "seconds": round(elapsed, 1), "jobs": a.jobs,
        "command": " ".join(sys.argv),
    }
    with open(os.path.join(a.out, "corpus.json"), "w") as f:
        json.dump({"summary": summary, "clips": manifest}, f, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
