"""Lists the node models of the onnx wheel's backend test data, one per line:
"<path>\t<1 if every op is in ir/ops.def (or Constant), else 0>\t<ops>".
Usage: onnx_backend_nodes.py SOURCE_DIR"""
import pathlib
import re
import sys

import onnx

source_dir = pathlib.Path(sys.argv[1])
known = set(re.findall(r'^OP\(\w+, "([^"]+)"', (source_dir / "ir/ops.def").read_text(), re.M))
known.add("Constant")  # imported as a constant, not an op
data = pathlib.Path(onnx.__file__).parent / "backend/test/data/node"
for model_path in sorted(data.glob("*/model.onnx")):
    model = onnx.load(str(model_path), load_external_data=False)
    ops = sorted({(n.domain or "") + ("." if n.domain else "") + n.op_type for n in model.graph.node})
    all_known = all(op in known for op in ops)
    print(f"{model_path}\t{int(all_known)}\t{','.join(ops)}")
