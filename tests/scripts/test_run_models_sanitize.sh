#!/usr/bin/env bash
# Every generated test model runs once with `dlcc run --sanitize`: the checked host twins
# under libdlrt's sanitizer (races and missing barriers, bounds, unwritten reads) must report
# nothing (exit 3 otherwise), and the outputs must still match onnxruntime. Every model,
# torchvision's ResNet-50 included (about 40 s under the sanitizer on 2 cores). The ASan+UBSan
# build (a Debug dlcc, $DLCC_ASAN_BUILD=1) runs the small models only.
set -eu
: "${SOURCE_DIR:?}"
if [ "${DLCC_ASAN_BUILD:-0}" = 1 ]; then
  export RUN_MODELS_EXCLUDE='^(torchvision_.*|resnet18)\.onnx$'
fi
MODELS_RUN_OPTIONS=--sanitize exec bash "$SOURCE_DIR/tests/scripts/test_run_models.sh"
