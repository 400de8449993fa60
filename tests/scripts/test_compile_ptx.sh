#!/usr/bin/env bash
# dlcc compile --emit=ptx on every generated test model and hand-written group for sm_75,
# sm_80 and sm_90: ptxas accepts the PTX, every kernel stays within the budget of
# docs/kernels.md (no spills), and no PTX calls an .extern .func (check_compile_report.py). Also: --emit=llvm defines the same
# kernels the PTX has (identical kernels merged the same way). Without ptxas the PTX is
# still checked and the test says it could not assemble it.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
checker=$SOURCE_DIR/tests/scripts/check_compile_report.py
passed=0 failed=0 unassembled=0
started=$SECONDS

# The models with reference outputs, and the hand-written dl.groups of tests/ops/groups (each
# one fused kernel: a root with its prologue and epilogue).
for model in "$MODELS_DIR"/*.onnx "$SOURCE_DIR"/tests/ops/groups/*.dlir; do
  case $model in
  *.flat.dlir) continue ;;
  *.dlir) name=group.$(basename "$model" .dlir) ;;
  *) [ -f "${model%.onnx}.output.npy" ] || continue
     name=$(basename "$model" .onnx) ;;
  esac
  for target in sm_75 sm_80 sm_90; do
    stem=$WORK_DIR/$name.$target
    if ! "$DLCC" compile "$model" --emit=ptx --target=$target --stats --report="$stem.json" \
      -o "$stem.ptx" 2>"$stem.stderr"; then
      echo "FAIL $name $target: dlcc compile failed: $(head -c 3000 "$stem.stderr")"
      failed=$((failed + 1))
      continue
    fi
    verdict=$("$PYTHON" "$checker" "$stem.json" "$stem.ptx" "$target")
    case $? in
    0) echo "ok   $name $target: $verdict" && passed=$((passed + 1)) ;;
    2) echo "ok   $name $target: $verdict" && passed=$((passed + 1)) unassembled=1 ;;
    *) echo "FAIL $name $target: $verdict (stats: $stem.stderr)" && failed=$((failed + 1)) ;;
    esac
  done
done

# --emit=llvm lowers the graph on its own path: it must define exactly the PTX's kernels.
model=$MODELS_DIR/resnet18.onnx stem=$WORK_DIR/resnet18.sm_80
if "$DLCC" compile "$model" --emit=llvm --target=sm_80 -o "$stem.ll" 2>"$stem.ll.stderr"; then
  llvm_kernels=$(sed -n 's/^define ptx_kernel void @\([A-Za-z0-9_]*\)(.*/\1/p' "$stem.ll" | sort)
  ptx_kernels=$(sed -n 's/^\.visible \.entry \([A-Za-z0-9_]*\)(.*/\1/p' "$stem.ptx" | sort)
  if [ -n "$llvm_kernels" ] && [ "$llvm_kernels" = "$ptx_kernels" ]; then
    echo "ok   resnet18 sm_80 --emit=llvm: the same $(wc -l <<<"$llvm_kernels") kernels as the PTX"
    passed=$((passed + 1))
  else
    echo "FAIL resnet18 sm_80 --emit=llvm: kernels differ from the PTX's:"
    diff <(echo "$llvm_kernels") <(echo "$ptx_kernels") | head -20
    failed=$((failed + 1))
  fi
else
  echo "FAIL resnet18 sm_80 --emit=llvm: $(head -c 3000 "$stem.ll.stderr")"
  failed=$((failed + 1))
fi

[ $unassembled -eq 0 ] || echo "note: ptxas was not found (CUDA toolkit or DLCC_PTXAS): nothing was assembled"
[ $((passed + failed)) -gt 1 ] || { echo "FAIL: no models in $MODELS_DIR"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed ($((SECONDS - started)) s)"
[ $failed -eq 0 ]
