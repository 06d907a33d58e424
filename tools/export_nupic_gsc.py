#!/usr/bin/python3
"""Export a nupic.torch-style GSC sparse CNN (KWinners included) to SparseLab's ONNX.

  /usr/bin/python3 tools/export_nupic_gsc.py --out model.onnx [--checkpoint state_dict.pt]
      [--kwinners-after-pool] [--labels digits|commands|w1,w2,...] [--seed N]

Without --checkpoint the network is randomly initialised (useful to try the pipeline). With a
checkpoint saved from nupic.torch's GSCSparseCNN (torch.save(model.state_dict(), path)) the
weights, BatchNorm statistics and k-winners duty cycles are loaded by name (cnn1.module.weight,
cnn1_batchnorm.running_mean, cnn1_kwinner.duty_cycle, linear.module.weight, output.weight, ...).
Load it then in SparseLab with `sparselab-cli info --model model.onnx`.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import gsc_torch  # noqa: E402

COMMANDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "unknown",
            "silence"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="ONNX file to write")
    ap.add_argument("--checkpoint", help="state_dict (.pt) of a nupic.torch GSCSparseCNN")
    ap.add_argument("--kwinners-after-pool", action="store_true",
                    help="paper order (max-pool, then k-winners) instead of nupic.torch's")
    ap.add_argument("--labels", default="digits", help="digits, commands or a comma-separated list")
    ap.add_argument("--linear-units", type=int, default=1000)
    ap.add_argument("--k-inference-factor", type=float, default=1.5)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    labels = {"digits": gsc_torch.DIGITS, "commands": COMMANDS}.get(args.labels, args.labels.split(","))
    torch.manual_seed(args.seed)
    model = gsc_torch.GSCSparseCNN(linear_units=args.linear_units,
                                   k_inference_factor=args.k_inference_factor,
                                   kwinners_before_pool=not args.kwinners_after_pool, seed=args.seed)
    if args.checkpoint:
        state = torch.load(args.checkpoint, map_location="cpu")
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("zero_mask")]
        if missing or unexpected:
            print(f"error: {args.checkpoint} does not match a GSCSparseCNN: missing {missing}, "
                  f"unexpected {unexpected}", file=sys.stderr)
            return 1
    else:
        gen = torch.Generator().manual_seed(args.seed)
        gsc_torch.randomize_batchnorm(model, gen)
        gsc_torch.randomize_duty_cycles(model, gen)
    gsc_torch.export_onnx(model, args.out, labels=labels,
                          metadata={"sparselab.source": "tools/export_nupic_gsc.py"})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
