"""Times PyTorch (traced, frozen, optimize_for_inference) on the dense peer network.

Prints one JSON object: engine, batch, threads, median_us (per batch), p10_us, p90_us, runs.
"""
import json
import sys
import time

import torch

from gsc_torch import load_dense_module


def main():
    path, batch, threads, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    module = load_dense_module(path)
    x = torch.randn(batch, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        traced = torch.jit.trace(module, x)
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        for _ in range(20):
            frozen(x)
        times = []
        end = time.perf_counter() + seconds
        while len(times) < 20 or time.perf_counter() < end:
            t0 = time.perf_counter_ns()
            frozen(x)
            times.append((time.perf_counter_ns() - t0) / 1000.0)
    times.sort()
    q = lambda f: times[int(f * (len(times) - 1))]
    print(json.dumps({"engine": "pytorch " + torch.__version__ + " (trace+freeze)", "batch": batch,
                      "threads": threads, "median_us": q(0.5), "p10_us": q(0.1), "p90_us": q(0.9),
                      "runs": len(times)}))


if __name__ == "__main__":
    main()
