#!/usr/bin/python3
"""Training-speed comparison: PyTorch (Debian python3-torch, CPU) training the same GSC CNN that
`sparselab-cli train` trains, on the same machine, in clips per second.

The PyTorch side trains on random 1x32x32 inputs (speed does not depend on the values), with
the same layers: conv 5x5 1->64, BN(affine=False), max-pool 2, act, conv 5x5 64->64, BN,
max-pool 2, act, linear 1600->U, BN1d, act, linear U->12, log-softmax + NLL, SGD momentum.
`act` is ReLU (dense) or nupic.torch-style k-winners with boosting (sparse / super-sparse,
weights re-zeroed after every step as SparseWeights does).

With --data ROOT (a GSC-layout folder) and --cli PATH it also runs
`sparselab-cli train --epochs 1 --json` with the same architecture, batch and threads, and
prints its clips/s (the trainer's own per-epoch figure, feature extraction excluded).

usage: /usr/bin/python3 torch_train_speed.py --arch sparse --threads 2 --batch 64 \
           [--data /work/corpus-digits --cli build/app/sparselab-cli]
"""
import argparse
import json
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # conv1 K, conv2 K, linear units, linear K, sparsities (conv1, conv2, lin, out)
    "dense": (0, 0, 1000, 0, (0, 0, 0, 0)),
    "sparse": (1200, 200, 1000, 100, (0.5, 0.8, 0.9, 0)),
    "super-sparse": (1200, 200, 1500, 100, (0.88, 0.95, 0.955, 0.5)),
}


class KWinners(nn.Module):
    def __init__(self, channels, k, image, boost=1.5):
        super().__init__()
        self.k, self.image, self.boost = k, image, boost
        self.register_buffer("duty", torch.zeros(channels))
        self.seen = 0

    def forward(self, x):
        n = x.shape[0]
        units = x[0].numel()
        b = torch.exp((self.k / units - self.duty) * self.boost)
        b = b.view(1, -1, 1, 1) if self.image else b.view(1, -1)
        idx = (x.detach() * b).reshape(n, -1).topk(self.k, dim=1)[1]
        mask = torch.zeros(n, units).scatter_(1, idx, 1.0).view_as(x)
        out = x * mask
        with torch.no_grad():
            self.seen += n
            period = min(1000, self.seen)
            dims = (0, 2, 3) if self.image else (0,)
            s = out.gt(0).sum(dim=dims, dtype=torch.float)
            if self.image:
                s /= x.shape[2] * x.shape[3]
            self.duty.mul_(period - n).add_(s).div_(period)
        return out


def build(arch):
    k1, k2, units, kl, sp = PRESETS[arch]
    act = lambda k, c, image: KWinners(c, k, image) if k else nn.ReLU()
    net = nn.Sequential(
        nn.Conv2d(1, 64, 5), nn.BatchNorm2d(64, affine=False), nn.MaxPool2d(2), act(k1, 64, True),
        nn.Conv2d(64, 64, 5), nn.BatchNorm2d(64, affine=False), nn.MaxPool2d(2), act(k2, 64, True),
        nn.Flatten(), nn.Linear(1600, units), nn.BatchNorm1d(units, affine=False),
        act(kl, units, False), nn.Linear(units, 12))
    masks = []
    layers = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    for layer, s in zip(layers, sp):
        w = layer.weight.data.view(layer.weight.shape[0], -1)
        keep = max(1, round((1 - s) * w.shape[1]))
        m = torch.zeros_like(w)
        for o in range(w.shape[0]):
            m[o, torch.randperm(w.shape[1])[:keep]] = 1
        masks.append((layer, m.view_as(layer.weight)))
        layer.weight.data.mul_(masks[-1][1])
    return net, masks


def torch_speed(arch, threads, batch, batches):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net, masks = build(arch)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 1, 32, 32)
    y = torch.randint(0, 12, (batch,))
    for i in range(batches + 3):
        if i == 3:
            t0 = time.perf_counter()
        opt.zero_grad()
        F.nll_loss(F.log_softmax(net(x), 1), y).backward()
        opt.step()
        with torch.no_grad():
            for layer, m in masks:
                layer.weight.mul_(m)
    return batch * batches / (time.perf_counter() - t0)


def sparselab_speed(cli, data, arch, threads, batch):
    out = subprocess.run([cli, "train", "--data", data, "--arch", arch, "--epochs", "1",
                          "--batch", str(batch), "--threads", str(threads), "--variants", "1",
                          "--out", "/tmp/train_speed.onnx", "--json", "-q"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["epochs"][0]["clips_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="sparse", choices=sorted(PRESETS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--data")
    ap.add_argument("--cli")
    a = ap.parse_args()
    result = {"arch": a.arch, "threads": a.threads, "batch": a.batch,
              "torch_version": torch.__version__,
              "torch_clips_per_second": round(torch_speed(a.arch, a.threads, a.batch, a.batches), 1)}
    if a.data and a.cli:
        result["sparselab_clips_per_second"] = round(
            sparselab_speed(a.cli, a.data, a.arch, a.threads, a.batch), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
