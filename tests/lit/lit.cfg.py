# lit configuration: FileCheck tests written in the IR itself (RUN:/CHECK: lines).
import os
import lit.formats

config.name = "dlcc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".dlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.environ.get("LIT_OUTPUT_DIR", os.path.join(config.test_source_root, "Output"))
config.excludes = ["Inputs"]
config.substitutions.append(("%dlcc", os.environ["DLCC"]))
config.substitutions.append(("FileCheck", os.environ["FILECHECK"]))
# %not: LLVM's `not` succeeds only when the command exits non-zero without crashing, so an
# expected error that turns into a crash fails the test (a shell `!` would accept it).
config.substitutions.append(("%not", os.path.join(os.path.dirname(os.environ["FILECHECK"]), "not")))
config.substitutions.append(("%models", os.environ.get("MODELS_DIR", "")))
config.environment["PATH"] = os.environ.get("PATH", "")
