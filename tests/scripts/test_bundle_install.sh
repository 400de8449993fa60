#!/usr/bin/env bash
# From the installed tree only, as a user would: `cmake --install` to a scratch prefix, then
# the examples configured with find_package(dlcc) + dlcc_add_model, built and run on the host
# device (outputs compared with onnxruntime; examples/train trains), and a bundle linked with
# pkg-config.
source "$(dirname "$0")/../bundle/common.sh"
prefix=$WORK_DIR/prefix
cmake --install "$BUILD_DIR" --prefix "$prefix" >/dev/null
[ -x "$prefix/bin/dlcc" ] || fail "dlcc is not installed"
for file in include/dlrt.h include/dlrt/program.h include/dlrt/host_kernel.h include/dlrt/dtypes.def lib/libdlrt.a \
  lib/pkgconfig/dlrt.pc lib/cmake/dlcc/dlccConfig.cmake; do
  [ -e "$prefix/$file" ] || fail "$file is not installed"
done
export DLRT_DEVICE=host
configure() { # SOURCE BUILD CMAKE-ARGS...
  local source=$1 build=$2
  shift 2
  cmake -S "$source" -B "$build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="$CC_FLAGS" "$@" >/dev/null
  cmake --build "$build" >/dev/null
}
configure "$SOURCE_DIR/examples/mlp" mlp-build -DMLP_MODEL="$MODELS_DIR/mlp.onnx"
./mlp-build/mlp_app | tee mlp.txt
"$PYTHON" "$SOURCE_DIR/tests/bundle/examples_check.py" mlp "$MODELS_DIR/mlp.onnx" mlp.txt
# The default model of the example (examples/mlp.dlir) builds and runs too.
configure "$SOURCE_DIR/examples/mlp" mlp-dlir-build
./mlp-dlir-build/mlp_app | grep -q "mlp on host" || fail "examples/mlp on mlp.dlir"

"$PYTHON" "$SOURCE_DIR/tests/bundle/examples_check.py" ppm image.ppm
configure "$SOURCE_DIR/examples/classify" classify-build -DCLASSIFY_MODEL="$MODELS_DIR/resnet18.onnx" \
  -DCLASSIFY_TARGETS=host
./classify-build/classify image.ppm | tee classify.txt
"$PYTHON" "$SOURCE_DIR/tests/bundle/examples_check.py" classify "$MODELS_DIR/resnet18.onnx" \
  image.ppm classify.txt
if ldd classify-build/classify | grep -Ei "dlrt|llvm"; then fail "classify needs libdlrt or LLVM"; fi
printf 'P6\n4 4\n255\nabc' >short.ppm
if ./classify-build/classify short.ppm 2>err.log; then fail "a truncated image was accepted"; fi
grep -q "short.ppm: truncated image" err.log || fail "short.ppm: $(cat err.log)"

# examples/train: a training bundle (dlcc_add_model OPTIONS --train ...) trains from .npy files.
"${DLCC_TORCH_PYTHON:-/usr/bin/python3}" "$SOURCE_DIR/tests/train/torch_reference.py" mlp_adam mlp_adam >/dev/null
"$PYTHON" "$SOURCE_DIR/tests/train/build_onnx.py" mlp_adam mlp_adam
configure "$SOURCE_DIR/examples/train" train-build -DTRAIN_MODEL="$PWD/mlp_adam/model.onnx" -DTRAIN_BATCH=16
./train-build/train_app mlp_adam/data 2 trained.ckpt | tee train.txt
grep -q "trained 8 steps; state saved to trained.ckpt" train.txt || fail "examples/train"
[ -s trained.ckpt ] || fail "examples/train saved no checkpoint"

# The link line of docs/bundles.md, with the installed dlcc and pkg-config.
"$prefix/bin/dlcc" compile "$MODELS_DIR/mlp.onnx" -o mlp --target=host
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046,SC2086
"$CC" -std=c99 -Wall -Werror $CC_FLAGS -DBUNDLE=mlp -DBUNDLE_HEADER='"mlp.h"' -I. \
  "$SOURCE_DIR/tests/bundle/run_bundle.c" mlp.o $(pkg-config --cflags --libs dlrt) -o run_mlp
input_bin mlp
./run_mlp mlp.input.bin mlp.bin
check_output mlp.bin mlp
ldd run_mlp | grep libdlrt | grep -q "$prefix/" || fail "run_mlp does not use the installed libdlrt"
echo "test_bundle_install: ok"
