#!/usr/bin/env bash
# Every generated test model runs once with `dlcc run --sanitize`: the checked host twins
# under libdlrt's sanitizer (races and missing barriers, bounds, unwritten reads) must report
# nothing (exit 3 otherwise), and the outputs must still match onnxruntime. The two large
# torchvision ResNets are left out for time: resnet18.onnx has ResNet-18's shapes and runs.
# The ASan+UBSan build (a Debug dlcc, $DLCC_ASAN_BUILD=1) runs the small models only.
set -eu
: "${SOURCE_DIR:?}"
export RUN_MODELS_EXCLUDE='^torchvision_resnet(18|50)\.onnx$'
if [ "${DLCC_ASAN_BUILD:-0}" = 1 ]; then
  export RUN_MODELS_EXCLUDE='^(torchvision_.*|resnet18)\.onnx$'
fi
MODELS_RUN_OPTIONS=--sanitize exec bash "$SOURCE_DIR/tests/scripts/test_run_models.sh"
