#!/bin/bash
# Installs the dlrt component into a scratch prefix and builds an application against it
# twice: with pkg-config and with CMake's find_package(dlcc). Both must run correctly.
set -euo pipefail
build_dir=$1 source_dir=$2 work_dir=$3
compiler=${4:-cc} extra_flags=${5:-} # the build's compiler and sanitizer flags
rm -rf "$work_dir"
mkdir -p "$work_dir"
cmake --install "$build_dir" --component dlrt --prefix "$work_dir/prefix" >/dev/null
pc_file=$(find "$work_dir/prefix" -name dlrt.pc)
export PKG_CONFIG_PATH=$(dirname "$pc_file")
# shellcheck disable=SC2046,SC2086
"$compiler" -std=c11 -Wall -Wextra -Werror $extra_flags "$source_dir/consumer/app.c" "$source_dir/sample_program.c" \
  $(pkg-config --cflags --libs dlrt) -o "$work_dir/app-pkgconfig"
# No driver here or not: DLRT_LIBCUDA pointing nowhere forces the host fallback of auto.
DLRT_LIBCUDA=/nonexistent "$work_dir/app-pkgconfig" | grep -q "ran on host"
cmake -S "$source_dir/consumer" -B "$work_dir/cmake-build" -DCMAKE_PREFIX_PATH="$work_dir/prefix" \
  -DCMAKE_C_COMPILER="$compiler" -DCMAKE_C_FLAGS="$extra_flags" >/dev/null
cmake --build "$work_dir/cmake-build" >/dev/null
DLRT_LIBCUDA=/nonexistent "$work_dir/cmake-build/app"
echo "check_install: pkg-config and find_package(dlcc) consumers ran"
