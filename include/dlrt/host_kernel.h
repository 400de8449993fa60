/* The calling convention of host-lowered kernels ("host twins"): the contract between
 * dlcc's host lowering (codegen/) and the runtime's host device (runtime/). */
#ifndef DLRT_HOST_KERNEL_H
#define DLRT_HOST_KERNEL_H

#include <stdint.h>

typedef struct dlrt_host_sanitizer dlrt_host_sanitizer;

/* What one call of a host twin needs to run ONE thread block. */
typedef struct dlrt_host_launch {
  uint32_t grid[3];        /* gridDim.x/y/z */
  uint32_t block[3];       /* blockDim.x/y/z */
  uint32_t block_index[3]; /* blockIdx of the block this call runs */
  void *shared_memory;     /* the block's shared memory, kernel's shared_bytes long, 16-aligned */
  void *scratch;           /* per-call scratch for values live across barriers, scratch_bytes long */
  /* Checked twins (the sanitizer's host lowering) report every memory access, barrier and
   * shuffle here and take their thread order from it; NULL: they run unchecked. Plain twins
   * never read it. */
  const dlrt_host_sanitizer *sanitizer;
} dlrt_host_launch;

/* What a checked twin knows statically about one memory access it makes: one mutable record
 * per access in the twin's data (the runtime numbers it on first use through `id`). */
typedef enum dlrt_access_kind {
  DLRT_ACCESS_READ = 0,
  DLRT_ACCESS_WRITE = 1,
  DLRT_ACCESS_ATOMIC = 2 /* read-modify-write; atomics do not race with atomics */
} dlrt_access_kind;

enum {
  DLRT_ACCESS_SHARED = -1,      /* `param` of an access to a shared array */
  DLRT_ACCESS_ANY_PARAM = -2,   /* derived from one of several pointer parameters */
  DLRT_ACCESS_ALL_THREADS = -1  /* `thread` of an access at a block-uniform point */
};

typedef struct dlrt_host_access_site {
  const char *source;     /* where the kernel builder built it: "ops/tiled_gemm.c:143 (fn)" */
  const char *buffer;     /* "parameter 1 'b'" or "shared array 0" */
  int32_t param;          /* pointer parameter index, DLRT_ACCESS_SHARED or _ANY_PARAM */
  uint32_t shared_offset; /* shared arrays: the array's offset and size in shared memory */
  uint32_t shared_bytes;
  uint16_t size;          /* bytes accessed */
  uint8_t kind;           /* dlrt_access_kind */
  uint8_t align;          /* alignment the access assumes (vector loads need it on a GPU) */
  uint32_t id;            /* 0 until the runtime numbers the site */
  uint32_t reserved;
} dlrt_host_access_site;

typedef enum dlrt_host_event {
  DLRT_EVENT_BARRIER = 0,
  DLRT_EVENT_SHUFFLE = 1,
  DLRT_EVENT_FENCE = 2 /* kb_fence: a device-scope fence by every thread of the block */
} dlrt_host_event;

struct dlrt_host_sanitizer {
  /* Before every shared or global memory access of the block's threads; `thread` is the
   * linear thread index or DLRT_ACCESS_ALL_THREADS. */
  void (*access)(const dlrt_host_launch *launch, const void *address,
                 dlrt_host_access_site *site, int32_t thread);
  /* At every barrier, shuffle and fence (block-uniform points), once per block. */
  void (*event)(const dlrt_host_launch *launch, uint32_t event, dlrt_host_access_site *site);
  /* Thread order of each phase: thread_order[i] is the linear index of the i-th thread to
   * run (a permutation of the block's threads); NULL: in order. */
  const uint32_t *thread_order;
};

/* `params` is laid out like cuLaunchKernel's kernelParams: params[i] points at the
 * value of the kernel's i-th parameter (a device pointer or a scalar). A host twin
 * runs all block[0]*block[1]*block[2] threads of one block with CUDA semantics
 * (barriers, shared memory, warp shuffles among 32 lanes) and returns. Blocks of one
 * launch may run concurrently on different host threads. */
typedef void (*dlrt_host_block_fn)(void *const *params, const dlrt_host_launch *launch);

#endif
