/* A small pool of CPU threads that runs the blocks of one host-twin launch in parallel;
 * each thread owns its shared-memory and scratch buffers. */
#ifndef DLRT_RUNTIME_HOST_POOL_H
#define DLRT_RUNTIME_HOST_POOL_H

#include <stdint.h>

#include "dlrt/host_kernel.h"

typedef struct dlrt_host_pool dlrt_host_pool;

/* `threads` >= 1 counts the calling thread, which works too. */
int dlrt_host_pool_create(int threads, dlrt_host_pool **out_pool);
void dlrt_host_pool_destroy(dlrt_host_pool *pool);
int dlrt_host_pool_thread_count(const dlrt_host_pool *pool);
/* Runs fn once per block of grid and returns when all blocks are done. */
int dlrt_host_pool_run(dlrt_host_pool *pool, dlrt_host_block_fn fn, void *const *params,
                       const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                       uint32_t scratch_bytes);

#endif
