"""PyTorch side of SparseLab: nupic.torch-style GSC networks and their export to SparseLab ONNX.

This module re-implements, in plain PyTorch, the pieces of Numenta's nupic.torch that the GSC
networks use (KWinners, KWinners2d, SparseWeights) with the same semantics and the same
module/buffer names, so a state_dict saved from nupic.torch's GSCSparseCNN loads here. The
k-winners modules export as the custom op ai.sparselab::KWinners that sparselab-cli reads.

Run with Debian's interpreter (/usr/bin/python3): it needs python3-torch and python3-onnx.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SPARSELAB_DOMAIN = "ai.sparselab"
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "unknown", "silence"]


def kwinners_reference(x, duty_cycles, k, boost_strength, local):
    """nupic.torch's kwinners / kwinners2d at inference: the k largest boosted values win, the
    unboosted values pass. x is [N, n] or [N, C, H, W]; duty_cycles has one entry per unit
    (vectors) or per channel (images)."""
    if x.dim() == 2:
        n = x.shape[1]
        boosted = x
        if boost_strength > 0:
            boosted = x * torch.exp((k / n - duty_cycles.view(1, -1)) * boost_strength)
        idx = boosted.topk(k, dim=1, sorted=False)[1]
        mask = torch.zeros_like(x).scatter_(1, idx, 1.0)
        return x * mask
    c = x.shape[1]
    if local:
        boosted = x
        if boost_strength > 0:
            boosted = x * torch.exp((k / c - duty_cycles.view(1, c, 1, 1)) * boost_strength)
        idx = boosted.topk(k, dim=1, sorted=False)[1]
        mask = torch.zeros_like(x).scatter_(1, idx, 1.0)
        return x * mask
    n = x[0].numel()
    boosted = x
    if boost_strength > 0:
        boosted = x * torch.exp((k / n - duty_cycles.view(1, c, 1, 1)) * boost_strength)
    flat = boosted.reshape(x.shape[0], -1)
    idx = flat.topk(k, dim=1, sorted=False)[1]
    mask = torch.zeros_like(flat).scatter_(1, idx, 1.0).view_as(x)
    return x * mask


class _KWinnersOp(torch.autograd.Function):
    """Inference k-winners that exports as ai.sparselab::KWinners."""

    @staticmethod
    def forward(ctx, x, duty_cycles, k, k_inference_factor, local, boost_strength,
                boost_strength_factor, duty_cycle_period, shape):
        k_inf = max(1, int(k * k_inference_factor))
        return kwinners_reference(x, duty_cycles, k_inf, boost_strength, bool(local))

    @staticmethod
    def symbolic(g, x, duty_cycles, k, k_inference_factor, local, boost_strength,
                 boost_strength_factor, duty_cycle_period, shape):
        out = g.op(SPARSELAB_DOMAIN + "::KWinners", x, duty_cycles, k_i=int(k),
                   k_inference_factor_f=float(k_inference_factor), local_i=int(local),
                   boost_strength_f=float(boost_strength),
                   boost_strength_factor_f=float(boost_strength_factor),
                   duty_cycle_period_i=int(duty_cycle_period), relu_i=0)
        # The custom op keeps its input's shape; tell the exporter (batch stays dynamic).
        typed = torch._C.TensorType.create_from_tensor(torch.zeros(shape))
        out.setType(typed.with_sizes([None] + list(shape[1:])))
        return out


class _KWinnersBase(nn.Module):
    def __init__(self, percent_on, k_inference_factor, boost_strength, boost_strength_factor,
                 duty_cycle_period):
        super().__init__()
        self.percent_on = percent_on
        self.k_inference_factor = k_inference_factor
        self.boost_strength = boost_strength
        self.boost_strength_factor = boost_strength_factor
        self.duty_cycle_period = duty_cycle_period
        self.k = 0
        self.n = 0

    def _apply_kwinners(self, x, n, local):
        if self.k == 0:
            self.n = n
            self.k = max(1, int(round(n * self.percent_on)))
        if self.training:
            out = kwinners_reference(x, self.duty_cycle, self.k, self.boost_strength, local)
            self._update_duty_cycle(out)
            return out
        return _KWinnersOp.apply(x, self.duty_cycle, self.k, self.k_inference_factor, int(local),
                                 self.boost_strength, self.boost_strength_factor,
                                 self.duty_cycle_period, tuple(x.shape))


class KWinners(_KWinnersBase):
    """nupic.torch KWinners for [N, n] inputs (duty cycle per unit)."""

    def __init__(self, n, percent_on, k_inference_factor=1.5, boost_strength=1.0,
                 boost_strength_factor=0.9, duty_cycle_period=1000):
        super().__init__(percent_on, k_inference_factor, boost_strength, boost_strength_factor,
                         duty_cycle_period)
        self.register_buffer("duty_cycle", torch.zeros(n))
        self.learning_iterations = 0

    def _update_duty_cycle(self, out):
        batch = out.shape[0]
        self.learning_iterations += batch
        period = min(self.duty_cycle_period, self.learning_iterations)
        self.duty_cycle.mul_(period - batch)
        self.duty_cycle.add_(out.gt(0).sum(dim=0, dtype=torch.float))
        self.duty_cycle.div_(period)

    def forward(self, x):
        return self._apply_kwinners(x, x.shape[1], False)


class KWinners2d(_KWinnersBase):
    """nupic.torch KWinners2d for [N, C, H, W] inputs (duty cycle per channel); global selection
    over C*H*W unless local=True (over channels at each position)."""

    def __init__(self, channels, percent_on, k_inference_factor=1.5, boost_strength=1.0,
                 boost_strength_factor=0.9, duty_cycle_period=1000, local=False):
        super().__init__(percent_on, k_inference_factor, boost_strength, boost_strength_factor,
                         duty_cycle_period)
        self.local = local
        self.register_buffer("duty_cycle", torch.zeros((1, channels, 1, 1)))
        self.learning_iterations = 0

    def _update_duty_cycle(self, out):
        batch = out.shape[0]
        self.learning_iterations += batch
        scale = out.shape[2] * out.shape[3]
        period = min(self.duty_cycle_period, self.learning_iterations)
        self.duty_cycle.mul_(period - batch)
        self.duty_cycle.add_(out.gt(0).sum(dim=(0, 2, 3), dtype=torch.float).view(1, -1, 1, 1) / scale)
        self.duty_cycle.div_(period)

    def forward(self, x):
        n = x.shape[1] if self.local else x[0].numel()
        return self._apply_kwinners(x, n, self.local)


class SparseWeights(nn.Module):
    """nupic.torch SparseWeights / SparseWeights2d: a fixed random set of zero weights per output
    unit, re-applied with rezero_weights() after every optimizer step."""

    def __init__(self, module, weight_sparsity, seed=None):
        super().__init__()
        self.module = module
        w = module.weight
        fan_in = w[0].numel()
        num_zeros = int(round(weight_sparsity * fan_in))
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        mask = torch.ones(w.shape[0], fan_in)
        for o in range(w.shape[0]):
            mask[o, torch.randperm(fan_in, generator=gen)[:num_zeros]] = 0
        self.register_buffer("zero_mask", mask.view_as(w).bool().logical_not())
        self.rezero_weights()

    def rezero_weights(self):
        with torch.no_grad():
            self.module.weight.masked_fill_(self.zero_mask, 0.0)

    def forward(self, x):
        return self.module(x)


class GSCSparseCNN(nn.Sequential):
    """nupic.torch's GSCSparseCNN (k-winners before max-pool, module names as nupic.torch)."""

    def __init__(self, cnn_out_channels=(64, 64), cnn_percent_on=(0.095, 0.125), linear_units=1000,
                 linear_percent_on=0.1, linear_weight_sparsity=0.9, cnn_weight_sparsity=(0.5, 0.8),
                 boost_strength=1.5, boost_strength_factor=0.9, k_inference_factor=1.5,
                 duty_cycle_period=1000, kwinners_before_pool=True, seed=None):
        super().__init__()
        c1, c2 = cnn_out_channels

        def conv(cin, cout, sparsity):
            m = nn.Conv2d(cin, cout, 5)
            return SparseWeights(m, sparsity, seed) if sparsity > 0 else m

        def kw2d(c, p):
            return KWinners2d(c, p, k_inference_factor, boost_strength, boost_strength_factor,
                              duty_cycle_period)

        self.add_module("cnn1", conv(1, c1, cnn_weight_sparsity[0]))
        self.add_module("cnn1_batchnorm", nn.BatchNorm2d(c1, affine=False))
        if kwinners_before_pool:
            self.add_module("cnn1_kwinner", kw2d(c1, cnn_percent_on[0]))
            self.add_module("cnn1_maxpool", nn.MaxPool2d(2))
        else:
            self.add_module("cnn1_maxpool", nn.MaxPool2d(2))
            self.add_module("cnn1_kwinner", kw2d(c1, cnn_percent_on[0]))
        self.add_module("cnn2", conv(c1, c2, cnn_weight_sparsity[1]))
        self.add_module("cnn2_batchnorm", nn.BatchNorm2d(c2, affine=False))
        if kwinners_before_pool:
            self.add_module("cnn2_kwinner", kw2d(c2, cnn_percent_on[1]))
            self.add_module("cnn2_maxpool", nn.MaxPool2d(2))
        else:
            self.add_module("cnn2_maxpool", nn.MaxPool2d(2))
            self.add_module("cnn2_kwinner", kw2d(c2, cnn_percent_on[1]))
        self.add_module("flatten", nn.Flatten())
        lin = nn.Linear(25 * c2, linear_units)
        self.add_module("linear", SparseWeights(lin, linear_weight_sparsity, seed)
                        if linear_weight_sparsity > 0 else lin)
        self.add_module("linear_bn", nn.BatchNorm1d(linear_units, affine=False))
        self.add_module("linear_kwinner", KWinners(linear_units, linear_percent_on, k_inference_factor,
                                                   boost_strength, boost_strength_factor,
                                                   duty_cycle_period))
        self.add_module("output", nn.Linear(linear_units, 12))
        self.add_module("softmax", nn.LogSoftmax(dim=1))


class GSCDenseCNN(nn.Sequential):
    """Numenta's dense CNN-2 baseline: conv-BN-maxpool-ReLU twice, linear-BN-ReLU, linear."""

    def __init__(self, channels=(64, 64), linear_units=1000, classes=12, flatten_with_view=False):
        super().__init__()
        c1, c2 = channels
        self.add_module("cnn1", nn.Conv2d(1, c1, 5))
        self.add_module("cnn1_batchnorm", nn.BatchNorm2d(c1, affine=False))
        self.add_module("cnn1_maxpool", nn.MaxPool2d(2))
        self.add_module("cnn1_relu", nn.ReLU())
        self.add_module("cnn2", nn.Conv2d(c1, c2, 5))
        self.add_module("cnn2_batchnorm", nn.BatchNorm2d(c2, affine=False))
        self.add_module("cnn2_maxpool", nn.MaxPool2d(2))
        self.add_module("cnn2_relu", nn.ReLU())
        self.add_module("flatten", ViewFlatten() if flatten_with_view else nn.Flatten())
        self.add_module("linear", nn.Linear(25 * c2, linear_units))
        self.add_module("linear_bn", nn.BatchNorm1d(linear_units, affine=False))
        self.add_module("linear_relu", nn.ReLU())
        self.add_module("output", nn.Linear(linear_units, classes))
        self.add_module("softmax", nn.LogSoftmax(dim=1))


class ViewFlatten(nn.Module):
    """x.view(x.size(0), -1): exports as the Shape/Gather/Unsqueeze/Concat/Reshape subgraph."""

    def forward(self, x):
        return x.view(x.size(0), -1)


def randomize_batchnorm(model, generator):
    """Gives every BatchNorm non-trivial running statistics (and affine parameters if any), so
    that tests see BN actually doing something."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.running_mean.numel()
            m.running_mean.copy_(torch.randn(n, generator=generator) * 0.2)
            m.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.25)
            if m.affine:
                m.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
                m.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


def randomize_duty_cycles(model, generator):
    """Duty cycles around each k-winners layer's target density, so boosting matters."""
    for m in model.modules():
        if isinstance(m, (KWinners, KWinners2d)):
            m.duty_cycle.copy_(torch.rand(m.duty_cycle.shape, generator=generator) * 2 * m.percent_on)


def fold_batchnorm(model):
    """A copy of a Sequential network where every BatchNorm that directly follows a Conv2d or
    Linear (possibly wrapped in SparseWeights) is folded into it and replaced by Identity."""
    import copy

    model = copy.deepcopy(model).eval()
    names = list(model._modules.keys())
    for prev, name in zip(names, names[1:]):
        bn = model._modules[name]
        layer = model._modules[prev]
        layer = layer.module if isinstance(layer, SparseWeights) else layer
        if not isinstance(bn, (nn.BatchNorm1d, nn.BatchNorm2d)) or not isinstance(layer, (nn.Conv2d, nn.Linear)):
            continue
        with torch.no_grad():
            scale = 1.0 / torch.sqrt(bn.running_var + bn.eps)
            shift = -bn.running_mean * scale
            if bn.affine:
                shift = shift * bn.weight + bn.bias
                scale = scale * bn.weight
            shape = [-1] + [1] * (layer.weight.dim() - 1)
            layer.weight.mul_(scale.view(shape))
            bias = layer.bias if layer.bias is not None else torch.zeros_like(scale)
            layer.bias = nn.Parameter(bias * scale + shift)
        model._modules[name] = nn.Identity()
    return model


def export_onnx(model, path, labels=None, keep_batchnorm=False, constant_folding=True,
                fixed_batch=None, metadata=None):
    """Exports an eval-mode GSC network to SparseLab ONNX (opset 13 + ai.sparselab 1)."""
    import onnx

    model.eval()
    batch = fixed_batch or 2
    dummy = torch.zeros(batch, 1, 32, 32)
    with torch.no_grad():
        model(dummy)  # resolves k of lazily sized k-winners layers
    kwargs = dict(opset_version=13, input_names=["input"], output_names=["scores"],
                  custom_opsets={SPARSELAB_DOMAIN: 1}, do_constant_folding=constant_folding)
    if fixed_batch is None:
        kwargs["dynamic_axes"] = {"input": {0: "N"}, "scores": {0: "N"}}
    if keep_batchnorm:
        kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
    if any(isinstance(m, _KWinnersBase) for m in model.modules()):
        # The exporter cannot see shapes through the custom op, and BatchNorm's exporter needs
        # them: fold each BatchNorm into the Conv/Linear before it (exact at inference).
        model = fold_batchnorm(model)
    torch.onnx.export(model, dummy, path, **kwargs)
    proto = onnx.load(path)
    props = dict(metadata or {})
    if labels:
        props["sparselab.labels"] = ",".join(labels)
    for key, value in props.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(proto, path)
