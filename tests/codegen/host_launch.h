/* A minimal host "device" for tests: runs every block of a launch through a JIT-ed twin. */
#ifndef DLCC_TESTS_CODEGEN_HOST_LAUNCH_H
#define DLCC_TESTS_CODEGEN_HOST_LAUNCH_H

#include "codegen/kernel_builder.h"

/* Loops blockIdx over `grid` (z, y, x), giving each block fresh shared memory filled with
 * garbage (so kernels cannot rely on zeroed memory) and scratch. 0 ok, -1 bad launch. */
int host_launch(kb_jit *jit, const kernel_builder *kb, const char *name, void **params,
                const unsigned grid[3], const unsigned block[3]);

#endif
