/* Test-side launcher over host twins (the runtime's host device is not a dependency here). */
#include "host_launch.h"

#include <stdlib.h>
#include <string.h>

int host_launch(kb_jit *jit, const kernel_builder *kb, const char *name, void **params,
                const unsigned grid[3], const unsigned block[3]) {
  const kb_kernel_info *info = kb_kernel_info_find(kb, name); /* resolves merged names */
  dlrt_host_block_fn function = info ? kb_jit_lookup(jit, info->name) : NULL;
  if (!info || !function || block[0] * block[1] * block[2] > info->max_threads)
    return -1;
  size_t shared_size = info->shared_bytes ? (info->shared_bytes + 15) / 16 * 16 : 16;
  size_t scratch_size = info->host_scratch_bytes ? info->host_scratch_bytes : 16;
  void *shared = aligned_alloc(16, shared_size);
  void *scratch = aligned_alloc(16, scratch_size);
  if (!shared || !scratch) {
    free(shared);
    free(scratch);
    return -1;
  }
  dlrt_host_launch launch = {.grid = {grid[0], grid[1], grid[2]},
                             .block = {block[0], block[1], block[2]},
                             .shared_memory = shared,
                             .scratch = scratch};
  for (unsigned z = 0; z < grid[2]; z++)
    for (unsigned y = 0; y < grid[1]; y++)
      for (unsigned x = 0; x < grid[0]; x++) {
        memset(shared, 0xA5, shared_size);
        memset(scratch, 0x5A, scratch_size);
        launch.block_index[0] = x;
        launch.block_index[1] = y;
        launch.block_index[2] = z;
        function((void *const *)params, &launch);
      }
  free(shared);
  free(scratch);
  return 0;
}
