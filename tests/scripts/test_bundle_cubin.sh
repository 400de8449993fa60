#!/usr/bin/env bash
# Bundles of the test models with cubins (--cubin, the CUDA toolkit's ptxas) through the fake
# libcuda: the device's compute capability picks a cubin it runs (same major version, minor at
# or below its own), else the newest PTX at or below it is JIT-compiled; the fake's trace shows
# which image was loaded, and outputs match onnxruntime either way. A refused cubin falls back
# to the PTX. Cubins are byte-identical across compiles.
# Without ptxas there are no cubins to test: skipped (exit 77), saying so.
source "$(dirname "$0")/../bundle/common.sh"
ptxas=${DLCC_PTXAS:-/usr/local/cuda/bin/ptxas}
if [ ! -x "$ptxas" ] && ! ptxas=$(command -v ptxas); then
  echo "SKIP: no ptxas (CUDA toolkit) at /usr/local/cuda/bin or in PATH"
  exit 77
fi
export DLCC_PTXAS=$ptxas

# loaded NAME MODEL SM: runs bundle NAME (of test model MODEL) on a fake sm_SM GPU, checks its
# outputs and prints the image line of the fake's trace ("cubin sm_86, 4 entries").
loaded() {
  rm -f trace.txt
  DLRT_LIBCUDA=$FAKECUDA FAKECUDA_SM=$3 FAKECUDA_TRACE=trace.txt "./run_$1" "$2.input.bin" \
    "$1.cuda.bin" >run.log
  check_output "$1.cuda.bin" "$2" >/dev/null
  sed -n 's/^  image: //p' trace.txt
}
expect_image() { # NAME MODEL SM "cubin sm_86" | "PTX sm_86"
  local got entries
  got=$(loaded "$1" "$2" "$3")
  entries=$(grep -c '"shared_bytes":' "$1.json")
  [ "$got" = "$4, $entries entries" ] || fail "$1 on sm_$3: loaded '$got', expected '$4'"
  grep -q "kernels: ${4#* } ${4%% *}; one CUDA graph" run.log || fail "$1 on sm_$3: $(cat run.log)"
}

for model in mlp small_cnn resnet18 transformer_encoder; do
  "$DLCC" compile "$MODELS_DIR/$model.onnx" -o "$model" --target=sm_80,sm_86,host --cubin
  build_runner "$model" .
  input_bin "$model"
  case $model in
  mlp | small_cnn) # every case on the small models; a cubin and the PTX on the larger ones
    expect_image "$model" "$model" 80 "cubin sm_80"
    expect_image "$model" "$model" 86 "cubin sm_86"
    expect_image "$model" "$model" 87 "cubin sm_86" ;; # same major, newer minor
  esac
  expect_image "$model" "$model" 89 "cubin sm_86"
  expect_image "$model" "$model" 90 "PTX sm_86" # no sm_9x cubin: the newest PTX, JIT
done
# Below every target nothing loads: the same clear error as without cubins.
if DLRT_LIBCUDA=$FAKECUDA FAKECUDA_SM=75 ./run_mlp mlp.input.bin x.bin 2>err.log; then
  fail "an sm_75 device ran an sm_80 bundle"
fi
grep -q "program 'mlp' has no PTX for sm_75" err.log || fail "sm_75: $(cat err.log)"

# An sm_90 bundle on an sm_90 GPU: its cubin (host twins too: the fake runs kernels with them).
"$DLCC" compile "$MODELS_DIR/mlp.onnx" -o mlp90 --target=sm_90,host --cubin
build_runner mlp90 .
expect_image mlp90 mlp 90 "cubin sm_90"

# A cubin the driver refuses (here: a ptxas whose cubin claims another machine than EM_CUDA)
# falls back to the PTX, and says why.
cat >bad_ptxas.sh <<SCRIPT
#!/bin/sh
"$ptxas" "\$@" || exit
for argument in "\$@"; do [ "\$previous" = -o ] && cubin=\$argument; previous=\$argument; done
printf '\076\000' | dd of="\$cubin" bs=1 seek=18 conv=notrunc status=none
SCRIPT
chmod +x bad_ptxas.sh
DLCC_PTXAS=$PWD/bad_ptxas.sh "$DLCC" compile "$MODELS_DIR/mlp.onnx" -o refused \
  --target=sm_80,host --cubin
build_runner refused .
got=$(loaded refused mlp 80)
case $got in "PTX sm_80, "*) ;; *) fail "a refused cubin did not fall back to the PTX: $got" ;; esac
refusal="kernels: sm_80 PTX (the sm_80 cubin was refused: CUDA_ERROR_INVALID_IMAGE)"
grep -qF "$refusal" run.log ||
  fail "the fallback does not say why: $(cat run.log)"

# Determinism: the same model compiled twice (other folders) gives the same object, cubins
# included, and the same JSON.
mkdir -p first second
for dir in first second; do
  "$DLCC" compile "$MODELS_DIR/small_cnn.onnx" -o "$dir/small_cnn" --target=sm_80,sm_90,host \
    --cubin
done
for suffix in o h json; do
  cmp "first/small_cnn.$suffix" "second/small_cnn.$suffix" || fail "small_cnn.$suffix differs"
done
grep -q '"cubin_bytes":	[1-9]' first/small_cnn.json || fail "no cubin sizes in small_cnn.json"
echo "test_bundle_cubin: ok ($("$ptxas" --version | tail -1))"
