"""The tiny corpus the CLI training tests share: a fresh scratch folder holding a GSC-layout
corpus of "yes" and "no" plus the unknown word "cat", spoken by espeak voices
(tools/corpus/make_corpus.py; no validation or test split), made in about two seconds."""
import os
import shutil
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def make_tiny_corpus(scratch, clips_per_word=6, seed=5):
    """Empties `scratch`, generates the corpus into scratch/corpus and returns that path."""
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    corpus = os.path.join(scratch, "corpus")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools/corpus/make_corpus.py"),
                    "--out", corpus, "--words", "yes,no", "--unknown-words", "cat",
                    "--clips-per-word", str(clips_per_word), "--clips-per-unknown-word", "4",
                    "--engines", "espeak", "--noise-seconds", "1", "--seed", str(seed),
                    "--validation-percent", "0", "--testing-percent", "0", "--jobs", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    return corpus
