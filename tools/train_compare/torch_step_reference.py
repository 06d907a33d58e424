#!/usr/bin/python3
"""PyTorch reference for SparseLab's trainer test (tests/train/test_torch_step.cpp).

Reads a JSON description of a small Numenta-style network (weights, input batch, labels,
hyper-parameters), runs `steps` training steps in PyTorch with nupic.torch semantics
(BatchNorm affine=False, k-winners with boosting and duty cycles, SparseWeights re-zeroing
after each optimizer step, SGD with momentum and weight decay), and writes the losses, the
final weights, BN running statistics and duty cycles as JSON.

usage: /usr/bin/python3 torch_step_reference.py IN.json OUT.json
"""
import json
import math
import sys

import torch
import torch.nn.functional as F


class KWinners(torch.nn.Module):
    """nupic.torch KWinners / KWinners2d (global selection, local=False)."""

    def __init__(self, channels, k, boost_strength, image):
        super().__init__()
        self.k, self.boost_strength, self.image = k, boost_strength, image
        self.duty = torch.zeros(channels)
        self.learning_iterations = 0
        self.period = 1000

    def forward(self, x):
        n = x.shape[0]
        units = x[0].numel()
        target = self.k / units
        boost = torch.exp((target - self.duty) * self.boost_strength)
        if self.image:
            boosted = x.detach() * boost.view(1, -1, 1, 1)
        else:
            boosted = x.detach() * boost.view(1, -1)
        idx = boosted.reshape(n, -1).topk(self.k, dim=1)[1]
        mask = torch.zeros(n, units).scatter(1, idx, 1.0).view_as(x)
        out = x * mask
        # duty-cycle update (nupic.torch update_duty_cycle)
        self.learning_iterations += n
        period = min(self.period, self.learning_iterations)
        self.duty.mul_(period - n)
        if self.image:
            s = out.gt(0).sum(dim=(0, 2, 3), dtype=torch.float) / (x.shape[2] * x.shape[3])
        else:
            s = out.gt(0).sum(dim=0, dtype=torch.float)
        self.duty.add_(s.detach())
        self.duty.div_(period)
        return out


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    t = lambda name: torch.tensor(cfg[name]["data"], dtype=torch.float32).view(cfg[name]["shape"])
    conv_w, conv_b = t("conv.weight"), t("conv.bias")
    fc1_w, fc1_b = t("fc1.weight"), t("fc1.bias")
    out_w, out_b = t("out.weight"), t("out.bias")
    params = [p.clone().requires_grad_(True) for p in (conv_w, conv_b, fc1_w, fc1_b, out_w, out_b)]
    masks = [(p != 0).float() if p.dim() > 1 else None for p in params]
    bn1 = torch.nn.BatchNorm2d(conv_w.shape[0], affine=False)
    bn2 = torch.nn.BatchNorm1d(fc1_w.shape[0], affine=False)
    kw1 = KWinners(conv_w.shape[0], cfg["k1"], cfg["boost"], True)
    kw2 = KWinners(fc1_w.shape[0], cfg["k2"], cfg["boost"], False)
    x, y = t("input"), torch.tensor(cfg["labels"], dtype=torch.long)
    if cfg["optimizer"] == "sgd":
        opt = torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"],
                              weight_decay=cfg["weight_decay"])
    else:
        opt = torch.optim.Adam(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    losses = []
    for _ in range(cfg["steps"]):
        opt.zero_grad()
        h = F.conv2d(x, params[0], params[1])
        h = kw1(F.max_pool2d(bn1(h), 2))
        h = h.flatten(1)
        h = kw2(bn2(F.linear(h, params[2], params[3])))
        logits = F.linear(h, params[4], params[5])
        loss = F.nll_loss(F.log_softmax(logits, dim=1), y)
        loss.backward()
        opt.step()
        with torch.no_grad():  # SparseWeights: re-zero after every step
            for p, m in zip(params, masks):
                if m is not None:
                    p.mul_(m)
        losses.append(loss.item())
    names = ["conv.weight", "conv.bias", "fc1.weight", "fc1.bias", "out.weight", "out.bias"]
    result = {"losses": losses}
    for n, p in zip(names, params):
        result[n] = p.detach().flatten().tolist()
    result["conv.bn.running_mean"] = bn1.running_mean.tolist()
    result["conv.bn.running_var"] = bn1.running_var.tolist()
    result["fc1.bn.running_mean"] = bn2.running_mean.tolist()
    result["fc1.bn.running_var"] = bn2.running_var.tolist()
    result["kw1.duty_cycles"] = kw1.duty.tolist()
    result["kw2.duty_cycles"] = kw2.duty.tolist()
    json.dump(result, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
