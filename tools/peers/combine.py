"""Prints one table: SparseLab's modes (sparselab-cli bench --json) next to the peers.

usage: combine.py SPARSELAB.json ORT.json TORCH.json  (peer files may be missing or empty)
       combine.py --rounds SL1.json ORT1.json SL2.json ORT2.json ...
The second form summarises alternating rounds of sparse-sparse and ONNX Runtime runs (the
ratio of each round, then the median ratio), which is robust to the machine's speed drifting.
Ratios: "vs ORT" = ONNX Runtime's median / this row's (higher is faster); same for SparseLab's
own dense mode (cpu-dense).
"""
import json
import os
import sys


def load(path):
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path) as f:
        return json.load(f)


def main():
    sl, ort, torch = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
    rows = []
    for r in sl["results"]:
        if not r.get("available", False):
            continue
        rows.append((f"SparseLab {r['backend']} {r['mode']}", r["median_us"], r.get("macs")))
    for p in (ort, torch):
        if p:
            rows.append((p["engine"] + " dense", p["median_us"], sl["dense_macs"]))
    ort_us = ort["median_us"] if ort else None
    dense_us = next((r["median_us"] for r in sl["results"]
                     if r.get("backend") == "cpu-dense" and r.get("mode") == "dense"), None)
    batch, threads = sl["batch"], sl["threads"]
    print(f"{sl['model_name']} ({sl['model']}), batch {batch}, threads {threads}; "
          f"{sl['machine']['cpu']}; MAC-limit speedup {sl['mac_limit_speedup']:.1f}x")
    print(f"{'engine / mode':50s} {'us/batch':>10s} {'us/sample':>10s} {'samples/s':>10s} "
          f"{'vs ORT':>8s} {'vs dense':>9s}")
    for name, us, _ in rows:
        vs_ort = f"{ort_us / us:7.1f}x" if ort_us else "      -"
        vs_dense = f"{dense_us / us:8.1f}x" if dense_us else "       -"
        print(f"{name:50s} {us:10.1f} {us / batch:10.2f} {1e6 * batch / us:10.0f} {vs_ort} {vs_dense}")
    lp = sl.get("linear_part")
    if lp:
        dense_lp = next((r["median_us"] for r in lp if r.get("mode") == "dense"), None)
        for r in lp:
            if r.get("mode") == "sparse-sparse" and dense_lp:
                measured = dense_lp / r["median_us"]
                limit = r["mac_limit_speedup"]
                print(f"linear part (from {sl.get('linear_part_first_layer')}): sparse-sparse "
                      f"{r['median_us']:.1f} us vs dense {dense_lp:.1f} us = {measured:.1f}x; "
                      f"MAC limit {limit:.1f}x -> {100 * measured / limit:.0f}% of the limit")
    lk = sl.get("linear_kernels")
    if lk:
        print(f"linear kernels only ({', '.join(lk['layers'])}, real k-winners inputs): "
              f"sparse-sparse {lk['sparse_sparse_us']:.2f} us vs dense {lk['dense_us']:.1f} us = "
              f"{lk['speedup']:.1f}x; MAC limit {lk['mac_limit_speedup']:.1f}x -> "
              f"{100 * lk['fraction_of_limit']:.0f}% of the limit")


def rounds(paths):
    ratios = []
    for r, (sl_path, ort_path) in enumerate(zip(paths[0::2], paths[1::2]), 1):
        sl, ort = load(sl_path), load(ort_path)
        row = next((x for x in (sl or {}).get("results", [])
                    if x.get("mode") == "sparse-sparse" and x.get("available", False)), None)
        if not row or not ort:
            print(f"round {r}: missing result")
            continue
        batch = sl["batch"]
        ratio = ort["median_us"] / row["median_us"]
        ratios.append(ratio)
        print(f"round {r}: sparse-sparse {row['median_us'] / batch:.2f} us/sample, ONNX Runtime "
              f"{ort['median_us'] / batch:.2f} us/sample -> {ratio:.1f}x")
    if ratios:
        ratios.sort()
        n = len(ratios)
        median = ratios[n // 2] if n % 2 else (ratios[n // 2 - 1] + ratios[n // 2]) / 2
        print(f"median over {n} alternating rounds: {median:.1f}x ONNX Runtime "
              f"(min {ratios[0]:.1f}x, max {ratios[-1]:.1f}x)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--rounds":
        rounds(sys.argv[2:])
    else:
        main()
