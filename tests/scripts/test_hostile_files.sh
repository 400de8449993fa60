#!/usr/bin/env bash
# Hostile inputs (tests/hostile/hostile.py): malformed models, tensors, paths and options,
# generated afresh (never committed as binaries); each must end with the expected exit code and
# message, no sanitizer report, and no input overwritten.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
exec "$PYTHON" "$SOURCE_DIR/tests/hostile/hostile.py" "$DLCC" "$WORK_DIR/cases"
