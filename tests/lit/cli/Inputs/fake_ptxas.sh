#!/bin/sh
# A stand-in for ptxas in lit tests: answers `ptxas -arch=SM -v -o CUBIN FILE.ptx` with the
# `-v` log format of CUDA's ptxas and fixed figures for every .entry of FILE.ptx, so the
# --stats table is checked exactly, and fails on request (FAKE_PTXAS_FAIL=1) like ptxas
# rejecting bad PTX.
arch= cubin= ptx=
while [ $# -gt 0 ]; do
  case $1 in
  -arch=*) arch=${1#-arch=} ;;
  -o) shift && cubin=$1 ;;
  -v) ;;
  *) ptx=$1 ;;
  esac
  shift
done
if [ -n "${FAKE_PTXAS_FAIL:-}" ]; then
  echo "ptxas $ptx, line 42; error   : Unknown symbol 'dlcc_missing'"
  echo "ptxas fatal   : Ptx assembly aborted due to errors"
  exit 255
fi
echo "ptxas info    : 0 bytes gmem"
sed -n 's/^\.visible \.entry \([A-Za-z0-9_]*\)(.*/\1/p' "$ptx" | while read -r name; do
  echo "ptxas info    : Compiling entry function '$name' for '$arch'"
  echo "ptxas info    : Function properties for $name"
  echo "    16 bytes stack frame, ${FAKE_PTXAS_SPILL:-0} bytes spill stores, ${FAKE_PTXAS_SPILL:-0} bytes spill loads"
  echo "ptxas info    : Used 32 registers, 1024 bytes smem, 380 bytes cmem[0]"
done
printf 'fake cubin' >"$cubin"
