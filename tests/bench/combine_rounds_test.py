"""tools/peers/combine.py --rounds: each round's ratio (ONNX Runtime median / sparse-sparse
median, per batch) and the median over the rounds, on hand-made result files."""
import json
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
with tempfile.TemporaryDirectory() as d:
    files = []
    # (sparse-sparse us per batch, ORT us per batch) at batch 64: ratios 9.0, 12.0, 10.0
    for r, (sl_us, ort_us) in enumerate([(640.0, 5760.0), (500.0, 6000.0), (600.0, 6000.0)]):
        sl = {"batch": 64, "results": [
            {"backend": "cpu-sparse", "mode": "dense", "available": True, "median_us": 1e4},
            {"backend": "cpu-sparse", "mode": "sparse-sparse", "available": True,
             "median_us": sl_us}]}
        ort = {"engine": "onnxruntime-node (CPU)", "median_us": ort_us}
        for name, doc in (("sl", sl), ("ort", ort)):
            path = os.path.join(d, f"{name}-{r}.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            files.append(path)
    out = subprocess.run([sys.executable, os.path.join(root, "tools/peers/combine.py"),
                          "--rounds", *files], check=True, capture_output=True, text=True).stdout
    lines = out.strip().splitlines()
    assert lines[0] == "round 1: sparse-sparse 10.00 us/sample, ONNX Runtime 90.00 us/sample -> 9.0x", out
    assert lines[1].endswith("-> 12.0x") and lines[2].endswith("-> 10.0x"), out
    assert lines[3] == ("median over 3 alternating rounds: 10.0x ONNX Runtime "
                        "(min 9.0x, max 12.0x)"), out
print("ok")
