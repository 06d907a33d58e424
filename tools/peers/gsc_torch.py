"""The dense peer network: a SparseLab GSC ONNX model rebuilt as a plain PyTorch module.

Conv / MaxPool / Flatten / Gemm / LogSoftmax keep their weights; every k-winners layer becomes a
ReLU (peers run the network dense: they compute every MAC whatever the zeros). Used by
torch_bench.py and to export the plain ONNX model (no custom op) that ONNX Runtime runs.
"""
import numpy as np
import onnx
import torch
from onnx import numpy_helper


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def load_dense_module(path):
    model = onnx.load(path)
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    for sp in model.graph.sparse_initializer:  # SparseLab stores mostly-zero weights sparse
        values = numpy_helper.to_array(sp.values)
        indices = numpy_helper.to_array(sp.indices)
        dense = np.zeros(int(np.prod(sp.dims)), dtype=values.dtype)
        if indices.ndim == 1:
            dense[indices] = values
        else:
            dense[np.ravel_multi_index(indices.T, tuple(sp.dims))] = values
        inits[sp.values.name] = torch.from_numpy(dense.reshape(tuple(sp.dims)))
    layers = []
    for node in model.graph.node:
        op = node.op_type
        if op == "Conv":
            w = inits[node.input[1]]
            pads = _attr(node, "pads", [0, 0, 0, 0])
            strides = _attr(node, "strides", [1, 1])
            if pads[0] != pads[2] or pads[1] != pads[3]:
                raise SystemExit(f"{path}: asymmetric Conv padding is not supported here")
            conv = torch.nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), stride=tuple(strides),
                                   padding=(pads[0], pads[1]))
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(inits[node.input[2]])
            layers.append(conv)
        elif op == "MaxPool":
            k = _attr(node, "kernel_shape")
            s = _attr(node, "strides", k)
            layers.append(torch.nn.MaxPool2d(tuple(k), tuple(s)))
        elif op in ("KWinners", "Relu"):
            layers.append(torch.nn.ReLU())
        elif op == "Flatten":
            layers.append(torch.nn.Flatten(_attr(node, "axis", 1)))
        elif op == "Gemm":
            w = inits[node.input[1]]
            if not _attr(node, "transB", 0):
                w = w.t()
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            lin.weight.data.copy_(w)
            lin.bias.data.copy_(inits[node.input[2]])
            layers.append(lin)
        elif op == "LogSoftmax":
            layers.append(torch.nn.LogSoftmax(dim=1))
        elif op == "Softmax":
            layers.append(torch.nn.Softmax(dim=1))
        else:
            raise SystemExit(f"{path}: node {op} is not part of the GSC layout this tool rebuilds")
    return torch.nn.Sequential(*layers).eval()


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        raise SystemExit("usage: gsc_torch.py SPARSELAB.onnx PLAIN_DENSE_OUT.onnx")
    module = load_dense_module(sys.argv[1])
    x = torch.zeros(1, 1, 32, 32)
    torch.onnx.export(module, x, sys.argv[2], input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13)
    onnx.checker.check_model(onnx.load(sys.argv[2]))
    print(f"wrote {sys.argv[2]}")
