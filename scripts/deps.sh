#!/usr/bin/env bash
# Installs everything dlcc needs to build and test on a fresh Debian 12 machine.
# Idempotent: a second run finds everything present and does nothing but check.
# Usage: scripts/deps.sh [BUILD_DIR]   (the Python test venv goes to BUILD_DIR/venv)
set -euo pipefail

build_dir=${1:-build}
debian_packages=(
  cmake make pkg-config
  llvm-19-dev llvm-19-tools clang-19 libclang-rt-19-dev
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev
  flex bison libcmocka-dev libcjson-dev uthash-dev
  graphviz python3-venv
  python3-torch python3-torchvision  # test models only: torchvision exports, system python3
  python3-sklearn  # training tests: the handwritten-digits set (system python3)
)

missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to apt-get install the packages above" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages only build test models and reference outputs; they live in a venv.
venv="$build_dir/venv"
requirements="$(dirname "$0")/../tests/requirements.txt"
stamp="$venv/.requirements"
if [ ! -f "$stamp" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "deps: creating Python venv in $venv"
  mkdir -p "$build_dir"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
