# Shared by the bundle tests (tests/scripts/test_bundle_*.sh): their environment, and helpers
# to build a C program against a bundle and compare its outputs. Sourced, not run.
# Environment: DLCC, CC, CC_FLAGS (sanitizer flags of the build), SOURCE_DIR, BUILD_DIR,
# PYTHON, MODELS_DIR, FAKECUDA, WORK_DIR.
set -euo pipefail
: "${DLCC:?}" "${CC:?}" "${SOURCE_DIR:?}" "${BUILD_DIR:?}" "${PYTHON:?}" "${MODELS_DIR:?}"
: "${FAKECUDA:?}" "${WORK_DIR:?}"
CC_FLAGS=${CC_FLAGS:-}
RUNTIME_DIR=$BUILD_DIR/runtime
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
cd "$WORK_DIR"

fail() { echo "FAIL: $*" >&2; exit 1; }

# build_runner NAME DIR: DIR/run_NAME from tests/bundle/run_bundle.c and DIR/NAME.o.
build_runner() {
  # shellcheck disable=SC2086
  "$CC" -std=c99 -Wall -Wextra -Werror $CC_FLAGS -DBUNDLE="$1" -DBUNDLE_HEADER="\"$1.h\"" \
    -I"$2" -I"$SOURCE_DIR/include" "$SOURCE_DIR/tests/bundle/run_bundle.c" "$2/$1.o" \
    -L"$RUNTIME_DIR" -Wl,-rpath,"$RUNTIME_DIR" -ldlrt -o "$2/run_$1"
}

# input_bin MODEL: the model's reference input as raw bytes (MODEL.input.bin here).
input_bin() { "$PYTHON" "$SOURCE_DIR/tests/bundle/compare.py" tobin "$MODELS_DIR/$1.input.npy" "$1.input.bin"; }
check_output() { "$PYTHON" "$SOURCE_DIR/tests/bundle/compare.py" check "$1" "$MODELS_DIR/$2.output.npy"; }
