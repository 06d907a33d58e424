#!/usr/bin/python3
"""Rebuild validation/testing lists and corpus.json for a make_corpus.py run that crashed after
rendering (same speaker ids, groups and GSC hashing rule as make_corpus.py).

Used once for /work/corpus-digits (resources/models/README.md): make_corpus.py --seed 1 died on
a failing `sox pitch` call after rendering 7,930 of 8,300 clips. Assumes the default engines,
--pseudo-speakers 40 and 10 % / 10 % validation / testing.

usage: /usr/bin/python3 recover_corpus_lists.py CORPUS_ROOT
"""
import json, os, random, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
import make_corpus as mc

root = sys.argv[1]
speakers = mc.build_speakers(["espeak", "flite", "festival"], random.Random(1), 40)
by_id = {s["id"]: s for s in speakers}
lists = {"validation": [], "testing": []}
clips = []
for word in sorted(os.listdir(root)):
    d = os.path.join(root, word)
    if not os.path.isdir(d) or word.startswith("_") or word.startswith("corpus-"):
        continue
    for f in sorted(os.listdir(d)):
        if not f.endswith(".wav") or "_nohash_" not in f:
            continue
        s = by_id[f.split("_nohash_")[0]]
        split = mc.which_set(s["group"], 10.0, 10.0)
        rel = f"{word}/{f}"
        if split in lists:
            lists[split].append(rel)
        clips.append({"path": rel, "word": word, "engine": s["engine"], "voice": s["voice"],
                      "speaker": s["id"], "group": s["group"], "split": split})
for name, items in lists.items():
    with open(os.path.join(root, f"{name}_list.txt"), "w") as fh:
        fh.writelines(x + "\n" for x in sorted(items))
json.dump({"recovered": True, "clips": clips}, open(os.path.join(root, "corpus.json"), "w"))
from collections import Counter
print(len(clips), Counter(c["split"] for c in clips), Counter((c["split"], c["engine"]) for c in clips))
