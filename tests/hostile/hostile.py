"""Hostile inputs for dlcc: generates malformed models, tensors, paths and options into a
folder (nothing here is committed as a binary) and runs dlcc on each, checking the exit code
and the message. Every case must end in a clear message, never a crash, hang or overwrite.

    python hostile.py DLCC WORK_DIR        # generate, run, print a summary; exit 1 on failure
"""
import json
import os
import re
import stat
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

OK, BAD, ENV = 0, 1, 2  # dlcc's exit codes


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)


def model(nodes, inputs, outputs, inits=(), opset=17, ir_version=8):
    graph = h.make_graph(nodes, "g", inputs, outputs, list(inits))
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=ir_version)


def vi(name, dtype, shape):
    return h.make_tensor_value_info(name, dtype, shape)


def base_model():
    w = nh.from_array(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), "w")
    return model([h.make_node("Relu", ["x"], ["r"], name="relu"),
                  h.make_node("Add", ["r", "w"], ["y"], name="add")],
                 [vi("x", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [2, 3])], [w])


class Cases:
    def __init__(self, folder):
        self.folder = folder
        self.cases = []

    def path(self, name):
        return os.path.join(self.folder, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as out:
            out.write(data if isinstance(data, bytes) else data.SerializeToString())
        return self.path(name)

    def add(self, name, args, code, pattern, unchanged=(), missing=()):
        self.cases.append({"name": name, "args": args, "code": code, "pattern": pattern,
                           "unchanged": list(unchanged), "missing": list(missing)})

    def inspect(self, name, data, code, pattern, *options):
        self.add(name, ["inspect", self.write(name, data), *options], code, pattern)


def onnx_structure(c):
    base = base_model().SerializeToString()
    c.inspect("base.onnx", base, OK, r"Add\(%r, %w\)")
    # Nesting: graph -> node -> attribute -> graph ..., 3000 levels in 30 KB (protobuf-c
    # recursion overflowed the stack).
    graph = b""
    for _ in range(3000):
        attribute = field(1, 2, b"then_branch") + field(6, 2, graph)
        graph = field(1, 2, field(4, 2, b"If") + field(5, 2, attribute))
    deep = field(1, 0, varint(8)) + field(8, 2, field(2, 0, varint(13))) + field(7, 2, graph)
    c.inspect("deep_nesting.onnx", deep, BAD, r"nested more than 64 levels deep")
    c.inspect("nesting_65.onnx", field(1, 0, varint(8)) + field(7, 2, graph[-2000:]), BAD,
              r"not a valid ONNX model|nested more than 64")
    # Many empty messages: small on disk, large once decoded.
    bomb = field(1, 0, varint(8)) + field(7, 2, field(1, 2, b"") * 3_000_000)
    c.inspect("message_bomb.onnx", bomb, BAD, r"decoding it would take about \d+ MiB")
    # Truncations that protobuf rejects, and byte flips anywhere: an error, never a crash.
    for cut in sorted({1, 2, 5, 17, 33, len(base) // 3, len(base) // 2, len(base) - 7,
                       len(base) - 1}):
        c.inspect(f"truncated_{cut}.onnx", base[:cut], BAD, r"not a valid ONNX model|error")
    rng = np.random.default_rng(12)
    for i in range(24):
        data = bytearray(base)
        for position in rng.integers(0, len(data), size=1 + i % 4):
            data[position] ^= int(rng.integers(1, 256))
        c.add(f"flipped_{i}.onnx", ["inspect", c.write(f"flipped_{i}.onnx", bytes(data))],
              [OK, BAD], r".")
    c.inspect("empty.onnx", b"", BAD, r"not a valid ONNX model")
    c.inspect("wire_type_7.onnx", b"\x0f", BAD, r"unknown wire type")
    c.inspect("varint_11_bytes.onnx", b"\x08" + b"\xff" * 11, BAD, r"longer than 10 bytes")
    c.inspect("length_past_end.onnx", b"\x3a\xff\xff\xff\x0f", BAD, r"runs past the end")
    c.inspect("text_not_onnx.onnx", b"hello world\n" * 10, BAD, r"not a valid ONNX model")


def onnx_semantics(c):
    def bad(name, m, pattern, *options):
        c.inspect(name, m, BAD, pattern, *options)

    m = base_model()
    m.ir_version = 99
    bad("ir_version_99.onnx", m, r"unsupported ONNX IR version 99")
    m = base_model()
    m.opset_import[0].version = 999
    bad("opset_999.onnx", m, r"unsupported opset 999")
    m = base_model()
    m.graph.node[0].op_type = "NoSuchOp"
    bad("unknown_op.onnx", m, r"NoSuchOp")
    m = base_model()
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = -3
    bad("negative_dim.onnx", m, r"negative")
    m = base_model()
    m.graph.initializer[0].raw_data = b"\0" * 5
    bad("raw_data_short.onnx", m, r"raw_data has 5 bytes")
    huge = T()
    huge.name, huge.data_type = "w", T.FLOAT
    huge.dims.extend([2 ** 40, 2 ** 40])
    m = base_model()
    m.graph.initializer[0].CopyFrom(huge)
    bad("dims_overflow.onnx", m, r"too large|overflow")
    huge.dims[:] = [2 ** 20, 2 ** 20]
    m.graph.initializer[0].CopyFrom(huge)
    bad("tensor_4tib.onnx", m, r"more than the limit of .*--max-tensor-size")
    bad("max_nodes.onnx", base_model(), r"2 nodes, more than the limit of 1 \(--max-nodes",
        "--max-nodes=1")
    bad("max_file_size.onnx", base_model(), r"more than the limit of 100 \(--max-file-size",
        "--max-file-size=100")
    bad("max_tensor_size.onnx", base_model(), r"tensor 'w': 24 bytes, more than the limit of 16",
        "--max-tensor-size=16")
    # A Constant whose value attribute has the wrong kind used to read as 0.0.
    constant = model([h.make_node("Constant", [], ["y"], name="c", value_float=1.5)], [],
                     [vi("y", T.FLOAT, [])])
    attribute = constant.graph.node[0].attribute[0]
    attribute.type = onnx.AttributeProto.INTS
    attribute.ints.extend([1, 2])
    bad("constant_wrong_kind.onnx", constant,
        r"node 'c' \(Constant.*attribute 'value_float' is of type INTS, not FLOAT")
    constant.graph.node[0].attribute[0].type = onnx.AttributeProto.TENSOR
    constant.graph.node[0].attribute[0].name = "value"
    bad("constant_value_no_tensor.onnx", constant, r"node 'c'.*'value' holds no tensor")
    twice = model([h.make_node("LeakyRelu", ["x"], ["y"], name="leaky", alpha=0.1)],
                  [vi("x", T.FLOAT, [2])], [vi("y", T.FLOAT, [2])])
    twice.graph.node[0].attribute.append(h.make_attribute("alpha", 0.2))
    bad("attribute_twice.onnx", twice, r"node 'leaky'.*attribute 'alpha' is given twice")
    symbolic = model([h.make_node("Relu", ["x"], ["y"])], [vi("x", T.FLOAT, ["N"])],
                     [vi("y", T.FLOAT, ["N"])])
    bad("dim_bound_twice.onnx", symbolic, r"--dim 'N=2' and 'N=3' name the same N",
        "--dim", "N=2", "--dim", "N=3")
    # A node with optional inputs given none used to read stale pointers past num_inputs.
    for op, outputs in (("Dropout", ["y", "mask"]), ("Clip", ["y"]), ("Softmax", ["y"])):
        m = model([h.make_node(op, [], outputs, name="empty")], [vi("x", T.FLOAT, [2])],
                  [vi("y", T.FLOAT, [2])])
        bad(f"no_inputs_{op.lower()}.onnx", m, r"node 'empty'")
    # Slice with extreme steps: ONNX gives one element, not zero (signed overflow before).
    for name, start, end, step in (("slice_step_max", 0, 2 ** 62, 2 ** 63 - 1),
                                   ("slice_step_min", -1, -2 ** 63, -2 ** 63),
                                   ("slice_start_min", -2 ** 63, 2 ** 63 - 1, 1)):
        inits = [nh.from_array(np.array([v], np.int64), n)
                 for n, v in (("s", start), ("e", end), ("a", 0), ("p", step))]
        m = model([h.make_node("Slice", ["x", "s", "e", "a", "p"], ["y"])],
                  [vi("x", T.FLOAT, [5])], [vi("y", T.FLOAT, None)], inits, opset=13)
        c.inspect(name + ".onnx", m, OK,
                  r"%y: f32\[5\] = Slice" if name == "slice_start_min" else r"%y: f32\[1\] = Slice")


def shape_overflow(c):
    """Shape arithmetic at the int64 limits: a message, never signed overflow (UBSan aborts)."""
    big, top, bottom = 2 ** 62, 2 ** 63 - 1, -2 ** 63

    def ints(name, values):
        return nh.from_array(np.array(values, np.int64), name)

    cases = {
        "concat": ([h.make_node("Concat", ["a", "b", "c"], ["y"], axis=0)],
                   [vi(n, T.FLOAT, [big]) for n in "abc"], [], r"too large|overflow"),
        "pad_max": ([h.make_node("Pad", ["x", "p"], ["y"])], [vi("x", T.FLOAT, [4])],
                    [ints("p", [top, 5])], r"invalid size"),
        "pad_min": ([h.make_node("Pad", ["x", "p"], ["y"])], [vi("x", T.FLOAT, [4])],
                    [ints("p", [bottom, 0])], r"invalid size"),
        "expand": ([h.make_node("Expand", ["x", "s"], ["y"])], [vi("x", T.FLOAT, [1, 1])],
                   [ints("s", [big, big])], r"byte size overflows"),
        "reshape": ([h.make_node("Reshape", ["x", "s"], ["y"])], [vi("x", T.FLOAT, [4])],
                    [ints("s", [-1, top, 2])], r"cannot be reshaped"),
        "range": ([h.make_node("Range", ["s", "l", "d"], ["y"])], [],
                  [ints("s", bottom), ints("l", top), ints("d", 1)], r"too many elements"),
        "split": ([h.make_node("Split", ["x", "s"], ["y", "z"])], [vi("x", T.FLOAT, [4])],
                  [ints("s", [top, bottom + 5])], r"split size"),
        "constant_of_shape": ([h.make_node("ConstantOfShape", ["s"], ["y"])], [],
                              [ints("s", [big, big])], r"byte size overflows"),
    }
    for name, (nodes, inputs, inits, pattern) in cases.items():
        outputs = [vi(o, T.FLOAT, None) for o in nodes[0].output]
        c.inspect(f"overflow_{name}.onnx", model(nodes, inputs, outputs, inits), BAD, pattern,
                  "-O2")


def zero_size(c):
    """Valid models with tensors of no elements compile and run (they were refused)."""
    vi0 = vi("x", T.FLOAT, [0])
    cases = {
        "zero_add_constant.onnx": model([h.make_node("Add", ["x", "w"], ["y"])], [vi0],
                                        [vi("y", T.FLOAT, [0])],
                                        [nh.from_array(np.zeros(0, np.float32), "w")]),
        "zero_layernorm.onnx": model(
            [h.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1)],
            [vi("x", T.FLOAT, [3, 0])], [vi("y", T.FLOAT, [3, 0])],
            [nh.from_array(np.zeros(0, np.float32), "s"),
             nh.from_array(np.zeros(0, np.float32), "b")]),
        "zero_relu_rows.onnx": model([h.make_node("Relu", ["x"], ["y"])],
                                     [vi("x", T.FLOAT, [0, 4])], [vi("y", T.FLOAT, [0, 4])]),
    }
    huge = T()
    huge.name, huge.data_type = "w", T.FLOAT
    huge.dims.extend([0, 2 ** 62, 2 ** 62])
    cases["zero_times_huge.onnx"] = model([h.make_node("Add", ["x", "w"], ["y"])],
                                          [vi("x", T.FLOAT, [1, 1, 1])], [vi("y", T.FLOAT, None)],
                                          [huge])
    for name, m in cases.items():
        out = c.path(name + ".out")
        c.add(name, ["run", c.write(name, m), "--device=host", "-q", "--output-dir", out], OK,
              r"^$")


def long_chain(c):
    """A 30k-node elementwise chain: fusion once made it one group whose evaluator recursed
    once per node (a stack overflow)."""
    n = 30000
    nodes = [h.make_node("Relu" if i % 2 == 0 else "Neg", [f"v{i}"], [f"v{i + 1}"])
             for i in range(n)]
    m = model(nodes, [vi("v0", T.FLOAT, [1, 4])], [vi(f"v{n}", T.FLOAT, [1, 4])])
    c.add("chain_30k.onnx", ["run", c.write("chain_30k.onnx", m), "--device=host", "-q", "-O2"],
          OK, r"^$")


def onnx_external(c):
    os.makedirs(c.path("ext"), exist_ok=True)
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)

    def external(name, location, offset=0, length=None):
        tensor = nh.from_array(weights, "w")
        tensor.ClearField("raw_data")
        tensor.data_location = T.EXTERNAL
        for key, value in (("location", location), ("offset", str(offset)),
                           ("length", None if length is None else str(length))):
            if value is not None:
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
        m = model([h.make_node("Add", ["x", "w"], ["y"])], [vi("x", T.FLOAT, [2, 3])],
                  [vi("y", T.FLOAT, [2, 3])], [tensor])
        return c.write(os.path.join("ext", name), m)

    with open(c.path("ext/w.bin"), "wb") as out:
        out.write(weights.tobytes())
    good = external("good.onnx", "w.bin")
    c.add("ext_good", ["inspect", good], OK, r"const %w: f32\[2,3\]")
    # Outputs over the model's own files are refused and leave them whole (SIGBUS before).
    for target in ("ext/w.bin", "ext/good.onnx", "ext/./w.bin"):
        c.add(f"ext_output_over_{target}", ["inspect", good, "-o", c.path(target)], BAD,
              r"refused to write an output over a file the model was read from",
              unchanged=["ext/w.bin", "ext/good.onnx"])
    os.link(c.path("ext/w.bin"), c.path("ext/w_hardlink.bin"))
    c.add("ext_output_over_hard_link", ["inspect", good, "-o", c.path("ext/w_hardlink.bin")],
          BAD, r"refused", unchanged=["ext/w.bin"])
    os.symlink("w.bin", c.path("ext/w_symlink.bin"))
    c.add("ext_output_over_symlink", ["inspect", good, "-o", c.path("ext/w_symlink.bin")],
          BAD, r"refused", unchanged=["ext/w.bin"])
    c.add("ext_dotdot", ["inspect", external("dotdot.onnx", "../base.onnx")], BAD,
          r"must be a relative path inside the model's folder")
    c.add("ext_absolute", ["inspect", external("absolute.onnx", "/etc/passwd")], BAD,
          r"must be a relative path inside the model's folder")
    c.add("ext_missing", ["inspect", external("missing.onnx", "nothere.bin")], BAD,
          r"cannot open external data 'nothere.bin'")
    c.add("ext_past_end", ["inspect", external("past_end.onnx", "w.bin", offset=8)], BAD,
          r"lies beyond the end")
    c.add("ext_offset_overflow",
          ["inspect", external("offset_overflow.onnx", "w.bin", offset=2 ** 62)], BAD,
          r"lies beyond the end")
    c.add("ext_bad_length", ["inspect", external("bad_length.onnx", "w.bin", length=7)], BAD,
          r"length is 7 bytes but the tensor's shape needs 24")
    c.add("ext_offset_text", ["inspect", external("offset_text.onnx", "w.bin", offset="1e3")],
          BAD, r"offset '1e3' is not a number")
    os.mkfifo(c.path("ext/fifo.bin"))
    c.add("ext_fifo", ["inspect", external("fifo.onnx", "fifo.bin")], BAD, r"cannot read a FIFO")
    os.symlink("/dev/zero", c.path("ext/zero.bin"))
    c.add("ext_dev_zero", ["inspect", external("dev_zero.onnx", "zero.bin")], BAD,
          r"leads outside the model's folder|cannot read a device")
    os.mkdir(c.path("ext/folder.bin"))
    c.add("ext_folder", ["inspect", external("folder.onnx", "folder.bin")], BAD,
          r"cannot read a folder")


def special_files(c):
    """Models that are not regular files: refused at once, never read or waited on."""
    for suffix in ("onnx", "dlir"):
        os.mkfifo(c.path(f"fifo.{suffix}"))
        c.add(f"fifo_{suffix}", ["inspect", c.path(f"fifo.{suffix}")], BAD, r"cannot read a FIFO")
        os.symlink("/dev/zero", c.path(f"dev_zero.{suffix}"))
        c.add(f"dev_zero_{suffix}", ["inspect", c.path(f"dev_zero.{suffix}")], BAD,
              r"cannot read a device")
        os.mkdir(c.path(f"folder.{suffix}"))
        c.add(f"folder_{suffix}", ["inspect", c.path(f"folder.{suffix}")], BAD,
              r"cannot read a folder")
    c.add("missing_model", ["inspect", c.path("nothere.onnx")], BAD, r"cannot open")
    # Outputs that are not regular files are written into, never replaced or waited on.
    model_path = c.write("small.onnx", base_model())
    os.mkfifo(c.path("out_fifo.dlir"))
    c.add("output_fifo_no_reader", ["inspect", model_path, "-o", c.path("out_fifo.dlir")], ENV,
          r"out_fifo\.dlir: cannot write: a FIFO with no reader")
    c.add("output_dev_null", ["inspect", model_path, "-o", "/dev/null"], OK, r"^$")
    os.makedirs(c.path("fifo_out"), exist_ok=True)
    os.mkfifo(c.path("fifo_out/y.npy"))
    c.add("run_output_fifo", ["run", model_path, "--device=host", "-q", "--output-dir",
                              c.path("fifo_out")], ENV, r"y\.npy: cannot write: a FIFO with no reader")


def text_ir(c):
    good = ('dlir 1\ngraph "t" {\n  input %x: f32[2,3]\n  %y: f32[2,3] = Relu(%x)\n'
            "  output %y\n}\n")
    c.inspect("good.dlir", good.encode(), OK, r"Relu\(%x\)")
    for cut in (3, 10, 25, 40, len(good) - 3):
        c.inspect(f"truncated_{cut}.dlir", good[:cut].encode(), BAD, r"good|truncated|error|:")
    c.inspect("binary.dlir", bytes(range(256)) * 4, BAD, r"binary\.dlir:\d+:\d+")
    c.inspect("huge_dims.dlir", good.replace("[2,3]", "[4611686018427387904,4]").encode(), BAD,
              r"too large")
    deep = "dlir 1\ngraph \"t\" {\n  input %x: f32[2]\n  %y: f32[2] = Relu(" + "(" * 5000
    c.inspect("deep_parens.dlir", deep.encode(), BAD, r"deep_parens\.dlir:")
    nodes = "".join(f"  %v{i + 1}: f32[2,3] = Relu(%v{i})\n" for i in range(50))
    many = f'dlir 1\ngraph "t" {{\n  input %v0: f32[2,3]\n{nodes}  output %v50\n}}\n'
    c.inspect("max_nodes.dlir", many.encode(), BAD, r"50 nodes, more than the limit of 10",
              "--max-nodes=10")
    side = ('dlir 1\ngraph "t" {\n  const %w: f32[100] = file "SIDE" offset 0 size 400\n'
            "  output %w\n}\n")
    for name, ref, pattern in (("side_missing", "absent.bin", r"cannot open"),
                               ("side_fifo", "side_fifo.bin", r"cannot read a FIFO"),
                               ("side_dev_zero", "side_zero.bin", r"cannot read a device"),
                               ("side_short", "short.bin", r"too short"),
                               ("side_overflow", "short.bin", r"too short")):
        text = side.replace("SIDE", ref)
        if name == "side_overflow":
            text = text.replace("offset 0", "offset 9223372036854775000")
        c.inspect(name + ".dlir", text.encode(), BAD, pattern)
    os.mkfifo(c.path("side_fifo.bin"))
    os.symlink("/dev/zero", c.path("side_zero.bin"))
    c.write("short.bin", b"\0" * 10)
    # A dump written over its own side file: refused, the weights kept (exit 2 and gone before).
    c.write("weights.dlir", side.replace("SIDE", "weights.dlir.bin").encode())
    c.write("weights.dlir.bin", np.arange(100, dtype=np.float32).tobytes())
    for target in ("weights.dlir.bin", "weights.dlir"):
        c.add(f"dlir_output_over_{target}",
              ["inspect", c.path("weights.dlir"), "-o", c.path(target)], BAD,
              r"refused to write an? .* over a file the model was read from",
              unchanged=["weights.dlir", "weights.dlir.bin"])
    c.add("dlir_dump_beside_input",
          ["inspect", c.path("weights.dlir"), "-o", c.path("weights2.dlir")], OK, r"^$",
          unchanged=["weights.dlir", "weights.dlir.bin"])


def npy_and_pb(c):
    model_path = c.write("mlp_in.onnx", model([h.make_node("Relu", ["x"], ["y"])],
                                              [vi("x", T.FLOAT, [2, 3])],
                                              [vi("y", T.FLOAT, [2, 3])]))

    def run_with(name, data, code, pattern):
        path = c.write(name, data) if data is not None else c.path(name)
        c.add(name, ["run", model_path, "--device=host", "-q", "--input", f"x={path}"], code,
              pattern)

    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"

    def npy(header_text, payload=b"\0" * 24, version=1):
        text = header_text + b" " * ((64 - (10 + len(header_text) + 1) % 64) % 64) + b"\n"
        size = len(text).to_bytes(2 if version == 1 else 4, "little")
        return b"\x93NUMPY" + bytes([version, 0]) + size + text + payload

    run_with("good.npy", npy(header), OK, r"^$")
    run_with("bad_magic.npy", b"\x93NUMPX" + npy(header)[6:], BAD, r"bad magic")
    run_with("short.npy", npy(header)[:8], BAD, r"bad magic|truncated")
    run_with("header_past_end.npy", npy(header)[:20], BAD, r"truncated \.npy header")
    run_with("version_9.npy", b"\x93NUMPY\x09\x00" + npy(header)[8:], BAD, r"unsupported \.npy")
    run_with("header_4gib.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff", BAD, r"unsupported \.npy")
    run_with("big_endian.npy", npy(header.replace(b"<f4", b">f4")), BAD, r"unsupported \.npy")
    run_with("fortran.npy", npy(header.replace(b"False", b"True")), BAD, r"Fortran-order")
    run_with("fewer_bytes.npy", npy(header, b"\0" * 23), BAD, r"fewer bytes")
    run_with("more_bytes.npy", npy(header, b"\0" * 25), BAD, r"more bytes")
    run_with("shape_overflow.npy",
             npy(header.replace(b"(2, 3)", b"(4611686018427387904, 4611686018427387904)")), BAD,
             r"too large")
    run_with("shape_negative.npy", npy(header.replace(b"(2, 3)", b"(-2, 3)")), BAD,
             r"malformed shape")
    run_with("shape_unclosed.npy", npy(header.replace(b"(2, 3), }", b"(2, 3")), BAD,
             r"malformed")
    run_with("wrong_shape.npy", npy(header.replace(b"(2, 3)", b"(3, 2)")), BAD, r"needs f32\[2,3\]")
    run_with("rank_9.npy", npy(header.replace(b"(2, 3)", b"(1,1,1,1,1,1,1,1,1)"), b"\0" * 4),
             BAD, r"rank above")
    good_pb = nh.from_array(np.zeros((2, 3), np.float32), "x").SerializeToString()
    run_with("good.pb", good_pb, OK, r"^$")
    run_with("truncated.pb", good_pb[:-3], BAD, r"not a valid ONNX tensor")
    run_with("junk.pb", b"\x0a\xff\xff\xff\xff\x0f", BAD, r"not a valid ONNX tensor")
    run_with("wrong_type.pb", nh.from_array(np.zeros((2, 3), np.int32), "x").SerializeToString(),
             BAD, r"needs f32\[2,3\] but the file holds i32\[2,3\]")
    os.mkfifo(c.path("fifo.npy"))
    run_with("fifo.npy", None, BAD, r"cannot read a FIFO")
    os.symlink("/dev/zero", c.path("dev_zero.pb"))
    run_with("dev_zero.pb", None, BAD, r"cannot read a device")
    os.symlink("/dev/zero", c.path("dev_zero.npy"))
    run_with("dev_zero.npy", None, BAD, r"cannot read a device")
    # Options and outputs of run.
    run = ["run", model_path, "--device=host", "-q"]
    c.add("input_twice", run + ["--input", "x=a.npy", "--input", "x=b.npy"], BAD,
          r"--input 'x=a\.npy' and 'x=b\.npy' name the same x")
    c.add("output_dir_empty", run + ["--output-dir="], BAD, r"--output-dir needs a folder name")
    os.makedirs(c.path("renamed"), exist_ok=True)
    c.write("renamed/y.npy", npy(header))  # the output file is named after the output 'y'
    c.add("output_over_input",
          run + ["--input", f"x={c.path('renamed/y.npy')}", "--output-dir", c.path("renamed")],
          BAD, r"renamed/y\.npy: refused to write an output over a file the model was read from",
          unchanged=["renamed/y.npy"])
    collide = model([h.make_node("Relu", ["x"], ["a/b"]), h.make_node("Neg", ["x"], ["a_b"])],
                    [vi("x", T.FLOAT, [2])], [vi("a/b", T.FLOAT, [2]), vi("a_b", T.FLOAT, [2])])
    c.add("output_names_collide",
          ["run", c.write("collide.onnx", collide), "--device=host", "-q", "--output-dir",
           c.path("collide_out")], BAD,
          r"outputs 'a/b' and 'a_b' would both be written to .*a_b\.npy",
          missing=["collide_out/a_b.npy"])
    c.add("max_file_size_bad", ["inspect", model_path, "--max-file-size=12Q"], BAD,
          r"bad --max-file-size '12Q'")


def generate(folder):
    os.makedirs(folder, exist_ok=True)
    c = Cases(folder)
    for make in (onnx_structure, onnx_semantics, shape_overflow, zero_size, long_chain, onnx_external, special_files, text_ir,
                 npy_and_pb):
        make(c)
    return c.cases


def digest(path):
    with open(path, "rb") as f:
        return f.read()


def run(dlcc, folder, cases):
    failures = 0
    for case in cases:
        kept = {p: digest(os.path.join(folder, p)) for p in case["unchanged"]}
        try:
            done = subprocess.run([dlcc, *case["args"]], capture_output=True, text=True,
                                  errors="replace", timeout=300, stdin=subprocess.DEVNULL)
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            code, output = "timeout", ""
        codes = case["code"] if isinstance(case["code"], list) else [case["code"]]
        problems = []
        if code not in codes:
            problems.append(f"exit {code}, expected {codes}")
        if not re.search(case["pattern"], output, re.S | re.M):
            problems.append(f"output does not match /{case['pattern']}/")
        if "AddressSanitizer" in output or "runtime error:" in output:
            problems.append("sanitizer report")
        for p, before in kept.items():
            if digest(os.path.join(folder, p)) != before:
                problems.append(f"{p} was changed")
        for p in case["missing"]:
            if os.path.exists(os.path.join(folder, p)):
                problems.append(f"{p} was written")
        if problems:
            failures += 1
            print(f"FAIL {case['name']}: {'; '.join(problems)}\n  dlcc {' '.join(case['args'])}"
                  f"\n  {output.strip()[:2000]}")
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        failures += 1
        print("FAIL: /dev/null is no longer a device")
    print(f"{len(cases) - failures} of {len(cases)} hostile inputs handled as expected")
    return failures == 0


if __name__ == "__main__":
    dlcc, folder = sys.argv[1], sys.argv[2]
    cases = generate(folder)
    with open(os.path.join(folder, "cases.json"), "w") as out:
        json.dump(cases, out, indent=1)
    sys.exit(0 if run(dlcc, folder, cases) else 1)
