/* The calling convention of host-lowered kernels ("host twins"): the contract between
 * dlcc's host lowering (codegen/) and the runtime's host device (runtime/). */
#ifndef DLRT_HOST_KERNEL_H
#define DLRT_HOST_KERNEL_H

#include <stdint.h>

/* What one call of a host twin needs to run ONE thread block. */
typedef struct dlrt_host_launch {
  uint32_t grid[3];        /* gridDim.x/y/z */
  uint32_t block[3];       /* blockDim.x/y/z */
  uint32_t block_index[3]; /* blockIdx of the block this call runs */
  void *shared_memory;     /* the block's shared memory, kernel's shared_bytes long, 16-aligned */
  void *scratch;           /* per-call scratch for values live across barriers, scratch_bytes long */
} dlrt_host_launch;

/* `params` is laid out like cuLaunchKernel's kernelParams: params[i] points at the
 * value of the kernel's i-th parameter (a device pointer or a scalar). A host twin
 * runs all block[0]*block[1]*block[2] threads of one block with CUDA semantics
 * (barriers, shared memory, warp shuffles among 32 lanes) and returns. Blocks of one
 * launch may run concurrently on different host threads. */
typedef void (*dlrt_host_block_fn)(void *const *params, const dlrt_host_launch *launch);

#endif
