#!/bin/bash
# The sample PTX must be real PTX: ptxas assembles it for sm_75, sm_80 and sm_90.
set -euo pipefail
dump=$1 ptxas=$2 work_dir=$3
if [ ! -x "$ptxas" ]; then
  echo "SKIP: no ptxas at $ptxas (CUDA toolkit not installed)"
  exit 77
fi
mkdir -p "$work_dir"
"$dump" >"$work_dir/sample.ptx"
for arch in sm_75 sm_80 sm_90; do
  "$ptxas" -arch=$arch -o "$work_dir/sample_$arch.cubin" "$work_dir/sample.ptx"
done
echo "sample PTX assembles for sm_75, sm_80, sm_90"
