#!/usr/bin/env bash
# Bundles of the test models linked into a C program: run on the host device and through the
# fake libcuda (the PTX path, the module picked by the device's compute capability; each run
# one CUDA graph launch, driver calls counted from the fake's trace), outputs compared with
# onnxruntime's references; a --precision=f16 bundle against dlcc run --precision=f16. Cubins:
# test_bundle_cubin.sh.
source "$(dirname "$0")/../bundle/common.sh"
for model in mlp small_cnn resnet18 transformer_encoder; do
  "$DLCC" compile "$MODELS_DIR/$model.onnx" -o "$model" --target=sm_75,sm_90,host
  build_runner "$model" .
  input_bin "$model"
  DLRT_LIBCUDA=/nonexistent "./run_$model" "$model.input.bin" "$model.host.bin" | tee run.log
  grep -q "ran on host" run.log || fail "$model: auto without a driver did not pick host"
  check_output "$model.host.bin" "$model"
  # An sm_86 GPU runs the sm_75 PTX (the newest it can), an sm_90 one the sm_90 PTX.
  for sm in 86 90; do
    DLRT_LIBCUDA=$FAKECUDA FAKECUDA_SM=$sm "./run_$model" "$model.input.bin" "$model.cuda.bin" |
      tee run.log
    grep -q "ran on cuda:0 .*(sm_$sm)" run.log || fail "$model: auto with a GPU did not pick cuda"
    check_output "$model.cuda.bin" "$model"
  done
  grep -q "kernels: sm_90 PTX; one CUDA graph of " run.log || fail "$model: no CUDA graph"
  # Three runs: the launches are captured once at creation, then each run is one graph launch.
  launches=$(sed -n 's/^\t"launches":\t\([0-9]*\),$/\1/p' "$model.json")
  rm -f trace.txt
  DLRT_LIBCUDA=$FAKECUDA FAKECUDA_TRACE=trace.txt "./run_$model" "$model.input.bin" \
    "$model.cuda.bin" "" 3 >/dev/null
  check_output "$model.cuda.bin" "$model"
  calls() { grep -c "^$1\$" trace.txt || true; }
  [ "$(calls cuGraphLaunch)" = 3 ] && [ "$(calls cuLaunchKernel)" = "$launches" ] &&
    [ "$(calls cuStreamBeginCapture_v2)" = 1 ] ||
    fail "$model: $(calls cuGraphLaunch) graph launches and $(calls cuLaunchKernel) kernel" \
      "launches for 3 runs of $launches launches (expected 3 and $launches, at capture)"
done
# A bundle compiled with --precision=f16 keeps the f32 interface: the same runner, fed f32 and
# reading f32, gets what `dlcc run --precision=f16` computes, on the host and through the fake.
"$DLCC" compile "$MODELS_DIR/small_cnn.onnx" --precision=f16 -o cnn16 --target=sm_90,host
build_runner cnn16 .
"$DLCC" run "$MODELS_DIR/small_cnn.onnx" --precision=f16 -q --output-dir f16_run \
  --input "image=$MODELS_DIR/small_cnn.input.npy"
DLRT_LIBCUDA=/nonexistent ./run_cnn16 small_cnn.input.bin cnn16.host.bin >/dev/null
DLRT_LIBCUDA=$FAKECUDA FAKECUDA_SM=90 ./run_cnn16 small_cnn.input.bin cnn16.cuda.bin >/dev/null
for device in host cuda; do
  "$PYTHON" "$SOURCE_DIR/tests/bundle/compare.py" check "cnn16.$device.bin" f16_run/logits.npy ||
    fail "the f16 bundle on $device differs from dlcc run --precision=f16"
done

# Below the lowest target there is no PTX to load: a clear error, no crash.
if DLRT_LIBCUDA=$FAKECUDA FAKECUDA_SM=70 ./run_mlp mlp.input.bin x.bin 2>err.log; then
  fail "an sm_70 device ran sm_75 PTX"
fi
grep -q "program 'mlp' has no PTX for sm_70" err.log || fail "sm_70: $(cat err.log)"
# DLRT_DEVICE overrides the automatic choice.
DLRT_DEVICE=host DLRT_LIBCUDA=$FAKECUDA ./run_mlp mlp.input.bin x.bin | grep -q "ran on host" ||
  fail "DLRT_DEVICE=host was not honoured"
# A bundle without host twins runs only on cuda.
"$DLCC" compile "$MODELS_DIR/mlp.onnx" -o gpu_only --target=sm_80
build_runner gpu_only .
if DLRT_LIBCUDA=/nonexistent ./run_gpu_only mlp.input.bin x.bin 2>err.log; then
  fail "a bundle without host twins ran without a GPU"
fi
grep -q "DLRT_STATUS_NO_DEVICE" err.log || fail "gpu_only: $(cat err.log)"
# A host-only bundle runs on the host even when a GPU answers.
"$DLCC" compile "$MODELS_DIR/mlp.onnx" -o host_only --target=host
build_runner host_only .
DLRT_LIBCUDA=$FAKECUDA ./run_host_only mlp.input.bin host_only.bin | grep -q "ran on host" ||
  fail "a host-only bundle did not run on the host"
check_output host_only.bin mlp
echo "test_bundle_models: ok"
