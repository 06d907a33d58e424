#!/usr/bin/env python3
"""Training killed with SIGKILL resumes from its last checkpoint without corrupting it (label
`faults`, docs/RELIABILITY.md).

  train_kill_test.py CLI CHECKPOINT_CHECK SCRATCH

On a tiny generated corpus (tools/corpus/make_corpus.py, 2 words + unknown, espeak only):
 1. `train --checkpoint` is SIGKILLed as soon as its first checkpoint.bin exists: the file loads
    (checkpoint_check = train::loadCheckpoint, what --resume reads) and says epoch >= 1.
 2. Kills DURING the checkpoint write: the directory is polled until the writer's temporary
    (.checkpoint.bin.tmp*) appears, then the process is SIGKILLed at once. checkpoint.bin must be
    byte-identical to the one before (the half-written epoch is lost, the previous one is intact).
 3. Kills at random moments (at the latest when two epochs are left): after each, checkpoint.bin
    loads and its epoch never goes back.
 4. `train --resume` runs to the end: it says where it resumed, reports the last epoch as the
    number asked for, the final model loads (`info`) and says it was trained for that many
    epochs, the checkpoint says so too, and no temporary file is left behind.
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tiny_corpus import make_tiny_corpus  # noqa: E402

EPOCHS = 8


def main():
    cli, check, scratch = sys.argv[1:4]
    corpus = make_tiny_corpus(scratch, clips_per_word=8, seed=3)
    ck = os.path.join(scratch, "ck")
    ckfile = os.path.join(ck, "checkpoint.bin")
    out = os.path.join(scratch, "model.onnx")
    train = [cli, "train", "--data", corpus, "--labels", "yes,no", "--arch", "sparse",
             "--epochs", str(EPOCHS), "--checkpoint", ck, "--out", out, "--threads", "1",
             "--variants", "1", "--batch", "8", "--seed", "2"]
    rng = random.Random(11)

    def start(resume):
        return subprocess.Popen(train + (["--resume"] if resume else []),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(p):
        p.send_signal(signal.SIGKILL)
        p.wait()

    def load():
        r = subprocess.run([check, ckfile], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("checkpoint does not load after a kill: " + r.stderr.strip())
        return int(r.stdout.split()[1])

    def digest():
        with open(ckfile, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def temporaries():
        return [n for n in os.listdir(ck) if n.startswith(".checkpoint.bin.tmp")] \
            if os.path.isdir(ck) else []

    # 1. Killed right after its first checkpoint.
    p = start(False)
    deadline = time.time() + 60
    while not os.path.exists(ckfile):
        if p.poll() is not None:
            raise AssertionError(f"train exited ({p.returncode}) before writing a checkpoint")
        if time.time() > deadline:
            kill(p)
            raise AssertionError("no checkpoint within 60 s")
        time.sleep(0.005)
    kill(p)
    epoch = load()
    print(f"killed after the first checkpoint: checkpoint loads, next epoch {epoch + 1}")
    assert 1 <= epoch < EPOCHS, epoch

    # 2. Killed while the next checkpoint is being written (its temporary exists).
    mid_write = 0
    for attempt in range(5):
        before, before_epoch = digest(), load()
        stale = set(temporaries())  # left by earlier kills; only a new one marks this write
        p = start(True)
        seen = False
        deadline = time.time() + 60
        while p.poll() is None and time.time() < deadline:
            if set(temporaries()) - stale:
                p.send_signal(signal.SIGKILL)
                seen = True
                break
        p.wait()
        if not seen:
            raise AssertionError("train finished or hung without a checkpoint write to interrupt")
        left = set(temporaries()) - stale
        epoch = load()
        if left:  # the kill landed before the rename: the old file must be untouched
            mid_write += 1
            assert digest() == before, "checkpoint.bin changed although the write was killed"
            assert epoch == before_epoch, (epoch, before_epoch)
        else:  # the rename won the race: the new, complete checkpoint is in place
            assert epoch == before_epoch + 1, (epoch, before_epoch)
        print(f"kill during write #{attempt + 1}: temporary left {bool(left)}, "
              f"checkpoint loads, next epoch {epoch + 1}")
        if mid_write >= 2:
            break
    if mid_write < 1:
        raise AssertionError("no kill landed inside a checkpoint write")

    # 3. Killed at random moments, but never so late that the run could finish: a fast machine
    #    once completed all epochs inside the random delay, leaving step 4 nothing to resume.
    #    Each new checkpoint.bin is a rename (new inode), so new epochs are counted without
    #    reading the file, and the kill comes at the random moment or as soon as only two
    #    epochs are left, whichever is first.
    def identity():
        try:
            st = os.stat(ckfile)
            return st.st_ino, st.st_mtime_ns
        except FileNotFoundError:
            return None

    last = load()
    for i in range(2):
        room = EPOCHS - 2 - last
        if room <= 0:
            break
        p = start(True)
        deadline = time.time() + rng.uniform(0.5, 3.0)
        seen, written = identity(), 0
        while time.time() < deadline and written < room:
            if p.poll() is not None:
                raise AssertionError(f"train exited ({p.returncode}) with epochs left to run")
            now = identity()
            if now != seen:
                seen, written = now, written + 1
            time.sleep(0.002)
        kill(p)
        epoch = load()
        print(f"random kill #{i + 1}: checkpoint loads, next epoch {epoch + 1}")
        assert last <= epoch < EPOCHS, (epoch, last)
        last = epoch

    # 4. Resume to the end.
    if os.path.exists(out):
        os.remove(out)
    r = subprocess.run(train + ["--resume", "--json"], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"resume failed ({r.returncode}): {r.stderr[-2000:]}")
    result = json.loads(r.stdout)
    done = [e["epoch"] for e in result["epochs"]]
    print("resumed run:", [l for l in r.stderr.splitlines() if "resumed" in l],
          "epochs run:", done)
    if f"at epoch {last + 1}" not in r.stderr:
        raise AssertionError("resume did not say it resumed at epoch %d" % (last + 1))
    assert done == list(range(1, EPOCHS + 1)), done  # every epoch once, as many as asked
    assert load() == EPOCHS
    info = subprocess.run([cli, "info", "--model", out, "--json"], capture_output=True,
                          text=True)
    if info.returncode != 0:
        raise AssertionError("final model does not load: " + info.stderr)
    meta = json.loads(info.stdout)["metadata"]
    assert meta.get("sparselab.train.epochs") == str(EPOCHS), meta
    assert not temporaries(), temporaries()
    print(f"PASS ({mid_write} kills inside a checkpoint write)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
