"""Lists the models of the onnx wheel's backend test data (node tests, plus the simple,
pytorch-converted, pytorch-operator and light model suites), one per line:
"<path>\t<1 if every op is in ir/ops.def (or Constant), else 0>\t<ops>\t<suite>".
Usage: onnx_backend_nodes.py SOURCE_DIR"""
import pathlib
import re
import sys

import onnx

source_dir = pathlib.Path(sys.argv[1])
known = set(re.findall(r'^OP\(\w+, "([^"]+)"', (source_dir / "ir/ops.def").read_text(), re.M))
known.add("Constant")  # imported as a constant, not an op
data = pathlib.Path(onnx.__file__).parent / "backend/test/data"
patterns = ["node/*/model.onnx", "simple/*/model.onnx", "pytorch-converted/*/model.onnx",
            "pytorch-operator/*/model.onnx", "light/*.onnx"]
for pattern in patterns:
    suite = pattern.split("/")[0]
    for model_path in sorted(data.glob(pattern)):
        model = onnx.load(str(model_path), load_external_data=False)
        ops = sorted({(n.domain + "." if n.domain else "") + n.op_type for n in model.graph.node})
        all_known = all(op in known for op in ops)
        print(f"{model_path}\t{int(all_known)}\t{','.join(ops)}\t{suite}")
