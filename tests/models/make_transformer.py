"""Transformer encoder layer test model (opset 18): token-id Gather embeddings plus a Sliced
positional table, LayerNorm written out (ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add), multi-head
attention whose head split uses a Shape → Gather → Unsqueeze → Concat → Reshape chain and a
Cast of the head size for the scale, Softmax, Transpose, and an Erf-GELU feed-forward block.
Saves an input and onnxruntime's reference output too."""
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from reference import save_with_reference

VOCAB, MAX_LEN, SEQ, MODEL, HEADS, FFN = 100, 32, 16, 64, 4, 128


class Builder:
    def __init__(self, rng):
        self.rng, self.nodes, self.weights = rng, [], []

    def const(self, name, array):
        self.weights.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def random(self, name, shape, scale=0.1):
        return self.const(name, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    def op(self, op_type, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def layer_norm(self, x, name):
        """(x - mean) / sqrt(var + eps) * gamma + beta, spelled out in primitive ops."""
        mean = self.op("ReduceMean", [x, self.const(f"{name}.axes", np.array([-1], np.int64))],
                       f"{name}.mean", keepdims=1)
        centered = self.op("Sub", [x, mean], f"{name}.centered")
        square = self.op("Pow", [centered, self.const(f"{name}.two", np.float32(2.0))], f"{name}.square")
        var = self.op("ReduceMean", [square, f"{name}.axes"], f"{name}.var", keepdims=1)
        var_eps = self.op("Add", [var, self.const(f"{name}.eps", np.float32(1e-5))], f"{name}.var_eps")
        std = self.op("Sqrt", [var_eps], f"{name}.std")
        normalized = self.op("Div", [centered, std], f"{name}.normalized")
        gamma = self.const(f"{name}.gamma", (1 + self.rng.standard_normal(MODEL) * 0.1).astype(np.float32))
        scaled = self.op("Mul", [normalized, gamma], f"{name}.scaled")
        return self.op("Add", [scaled, self.random(f"{name}.beta", [MODEL])], f"{name}.out")

    def linear(self, x, name, cin, cout):
        y = self.op("MatMul", [x, self.random(f"{name}.weight", [cin, cout])], f"{name}.matmul")
        return self.op("Add", [y, self.random(f"{name}.bias", [cout])], name)

    def split_heads(self, x, name):
        """[B, S, D] → [B, H, S, D/H] with the target shape computed from Shape(x)."""
        shape = self.op("Shape", [x], f"{name}.shape")
        batch = self.op("Gather", [shape, self.const(f"{name}.i0", np.int64(0))], f"{name}.batch", axis=0)
        seq = self.op("Gather", [shape, self.const(f"{name}.i1", np.int64(1))], f"{name}.seq", axis=0)
        axes0 = self.const(f"{name}.axes0", np.array([0], np.int64))
        batch1 = self.op("Unsqueeze", [batch, axes0], f"{name}.batch1")
        seq1 = self.op("Unsqueeze", [seq, axes0], f"{name}.seq1")
        heads = self.const(f"{name}.heads", np.array([HEADS, MODEL // HEADS], np.int64))
        target = self.op("Concat", [batch1, seq1, heads], f"{name}.target", axis=0)
        reshaped = self.op("Reshape", [x, target], f"{name}.reshaped")
        return self.op("Transpose", [reshaped], f"{name}.heads_first", perm=[0, 2, 1, 3])


def build(rng, batch=1):
    b = Builder(rng)
    embedded = b.op("Gather", [b.random("embedding", [VOCAB, MODEL], 1.0), "tokens"], "embedded", axis=0)
    positions = b.op("Slice", [b.random("positions", [MAX_LEN, MODEL], 0.5),
                               b.const("pos.start", np.array([0], np.int64)),
                               b.const("pos.end", np.array([SEQ], np.int64)),
                               b.const("pos.axes", np.array([0], np.int64))], "pos.sliced")
    positions = b.op("Unsqueeze", [positions, b.const("pos.batch_axis", np.array([0], np.int64))], "pos")
    x = b.op("Add", [embedded, positions], "x")
    h = b.layer_norm(x, "ln1")
    q = b.split_heads(b.linear(h, "q", MODEL, MODEL), "q")
    k = b.split_heads(b.linear(h, "k", MODEL, MODEL), "k")
    v = b.split_heads(b.linear(h, "v", MODEL, MODEL), "v")
    kt = b.op("Transpose", [k], "k.t", perm=[0, 1, 3, 2])
    scores = b.op("MatMul", [q, kt], "scores")
    # scale = sqrt(head size), the head size read from q's shape and Cast to float.
    head_size = b.op("Gather", [b.op("Shape", [q], "q.shape4"), b.const("i3", np.int64(3))], "head_size", axis=0)
    scale = b.op("Sqrt", [b.op("Cast", [head_size], "head_size.f", to=TensorProto.FLOAT)], "scale")
    probs = b.op("Softmax", [b.op("Div", [scores, scale], "scores.scaled")], "probs", axis=-1)
    context = b.op("Transpose", [b.op("MatMul", [probs, v], "context.heads")], "context.t", perm=[0, 2, 1, 3])
    context = b.op("Reshape", [context, b.const("merge.shape", np.array([0, 0, MODEL], np.int64))], "context")
    x = b.op("Add", [x, b.linear(context, "out", MODEL, MODEL)], "residual1")
    h = b.linear(b.layer_norm(x, "ln2"), "ffn1", MODEL, FFN)
    # GELU(h) = 0.5 * h * (1 + erf(h / sqrt(2)))
    erf = b.op("Erf", [b.op("Div", [h, b.const("sqrt2", np.float32(np.sqrt(2.0)))], "gelu.scaled")], "gelu.erf")
    gelu = b.op("Mul", [b.op("Mul", [h, b.op("Add", [erf, b.const("one", np.float32(1.0))], "gelu.plus1")],
                             "gelu.product"), b.const("half", np.float32(0.5))], "gelu")
    out = b.op("Add", [x, b.linear(gelu, "ffn2", FFN, MODEL)], "encoded")
    graph = helper.make_graph(
        b.nodes, "transformer_encoder",
        [helper.make_tensor_value_info("tokens", TensorProto.INT64, [batch, SEQ])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [batch, SEQ, MODEL])], b.weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8)


if __name__ == "__main__":
    rng = np.random.default_rng(17)
    model = build(rng)
    feeds = {"tokens": rng.integers(0, VOCAB, (1, SEQ)).astype(np.int64)}
    save_with_reference(model, feeds, OUTPUT_DIR, "transformer_encoder")  # noqa: F821
    # The same layer with a symbolic batch ("batch"): importable once the batch is bound.
    # Kept out of the top folder, whose models are all expected to import as they are.
    dynamic = build(np.random.default_rng(17), batch="batch")
    onnx.checker.check_model(dynamic, full_check=True)
    folder = pathlib.Path(OUTPUT_DIR) / "import_cases"  # noqa: F821
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save_model(dynamic, str(folder / "transformer_dynamic_batch.onnx"))
