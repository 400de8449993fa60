#!/usr/bin/env bash
# Imports every model of the onnx wheel's backend test data (node tests and the small model
# suites). Each must import and verify cleanly, with input/output types equal to those of
# its reference tensors, or fail with an "unsupported" message; never crash. A model whose
# ops are all in ir/ops.def must not fail with any other error. Prints the counts, and
# fails if fewer models import than MIN_IMPORTED (a regression floor for onnx 1.22's data).
set -euo pipefail
: "${PYTHON:?}" "${SOURCE_DIR:?}" "${BUILD_DIR:?}" "${WORK_DIR:?}"
driver="$BUILD_DIR/tests/test_onnx_backend_driver"
min_imported="${MIN_IMPORTED:-480}"
mkdir -p "$WORK_DIR"
[ -x "$driver" ] || { echo "missing $driver (build target test_onnx_backend_driver)"; exit 1; }

# path <TAB> all-ops-known <TAB> ops <TAB> suite
"$PYTHON" "$SOURCE_DIR/tests/models/onnx_backend_nodes.py" "$SOURCE_DIR" > "$WORK_DIR/models.tsv"
[ -s "$WORK_DIR/models.tsv" ] || { echo "no backend test models found"; exit 1; }
# status <TAB> path <TAB> first message
cut -f1 "$WORK_DIR/models.tsv" | xargs -d '\n' "$driver" --classify > "$WORK_DIR/results.tsv"

awk -F'\t' -v min_imported="$min_imported" '
  NR == FNR { known[$1] = $2; ops[$1] = $3; suite[$1] = $4; next }
  {
    count[$1]++; per_suite[suite[$2] "\t" $1]++; suites[suite[$2]] = 1; seen[$2] = 1
    if ($1 == "crash") { print "CRASH: " $2 ": " $3; bad++ }
    else if ($1 != "ok" && $1 != "unsupported") {
      if (known[$2] == 1) { print "ERROR (ops " ops[$2] "): " $3; bad++ }
    }
  }
  END {
    for (path in known) if (!(path in seen)) { print "NO RESULT: " path; bad++ }
    for (name in suites)
      printf "  %-18s %4d imported and verified, %4d unsupported, %d crashed, %d other errors\n",
             name, per_suite[name "\tok"], per_suite[name "\tunsupported"],
             per_suite[name "\tcrash"],
             per_suite[name "\terror"] + per_suite[name "\terror-without-message"]
    printf "backend models: %d imported and verified, %d unsupported, %d crashed, " \
           "%d other errors (%d of them in models with only known ops)\n",
           count["ok"], count["unsupported"], count["crash"],
           FNR - count["ok"] - count["unsupported"] - count["crash"], bad - count["crash"]
    if (count["ok"] < min_imported) {
      printf "REGRESSION: only %d models imported, expected at least %d\n", count["ok"], min_imported
      bad++
    }
    exit (bad > 0 ? 1 : 0)
  }' "$WORK_DIR/models.tsv" "$WORK_DIR/results.tsv"
