/* The host sanitizer's lifetime, tracked memory and launches: every block of a launch runs
 * on the calling thread with fresh shared memory, a shadow of it, and a thread order that
 * changes from block to block (in order, reversed, strided, shuffled). */
#include <stdlib.h>
#include <string.h>

#include "runtime/sanitizer_internal.h"

static void event(const dlrt_host_launch *launch, uint32_t kind, dlrt_host_access_site *site) {
  dlrt_sanitizer *sanitizer = (dlrt_sanitizer *)launch->sanitizer;
  if (kind == DLRT_EVENT_BARRIER || kind == DLRT_EVENT_FENCE) {
    dlrt_sanitizer_sync_event(sanitizer, kind);
    return;
  }
  if (kind != DLRT_EVENT_SHUFFLE || sanitizer->threads % 32 == 0)
    return;
  if (!dlrt_sanitizer_new_report(sanitizer, DLRT_CHECK_SYNC, site->source, NULL))
    return;
  dlrt_sanitizer_print_header(sanitizer, "warp shuffle in a partial warp");
  fprintf(sanitizer->stream,
          "  the block has %u threads, so its last warp has %u active lanes; shfl.sync with a "
          "full mask needs all 32 (shuffle after %s)\n",
          sanitizer->threads, sanitizer->threads % 32,
          site->source ? site->source : "an unknown place");
}

dlrt_sanitizer *dlrt_sanitizer_create(const dlrt_sanitizer_options *options) {
  dlrt_sanitizer *sanitizer = calloc(1, sizeof *sanitizer);
  if (!sanitizer)
    return NULL;
  sanitizer->hooks.access = dlrt_sanitizer_access;
  sanitizer->hooks.event = event;
  sanitizer->stream = options && options->stream ? options->stream : stderr;
  sanitizer->max_printed = options && options->max_printed ? options->max_printed : 20;
  sanitizer->seed = options ? options->seed : 0;
  return sanitizer;
}

static void free_region(tracked_region *region) {
  free(region->name);
  free(region->cells);
}

void dlrt_sanitizer_destroy(dlrt_sanitizer *sanitizer) {
  if (!sanitizer)
    return;
  for (int i = 0; i < sanitizer->region_count; i++)
    free_region(&sanitizer->regions[i]);
  free(sanitizer->regions);
  free(sanitizer->releases);
  free(sanitizer->reports);
  free(sanitizer);
}

static uint64_t word_count(uintptr_t base, uint64_t bytes) {
  return (((base + bytes + 3) & ~(uintptr_t)3) - (base & ~(uintptr_t)3)) / 4 + 1;
}

void dlrt_sanitizer_untrack(dlrt_sanitizer *sanitizer, const void *base) {
  for (int i = 0; i < sanitizer->region_count; i++)
    if (sanitizer->regions[i].base == (uintptr_t)base) {
      free_region(&sanitizer->regions[i]);
      memmove(&sanitizer->regions[i], &sanitizer->regions[i + 1],
              (size_t)(sanitizer->region_count - i - 1) * sizeof *sanitizer->regions);
      sanitizer->region_count--;
      return;
    }
}

int dlrt_sanitizer_track(dlrt_sanitizer *sanitizer, const void *base, uint64_t bytes,
                         const char *name, int written, int read_only) {
  dlrt_sanitizer_untrack(sanitizer, base);
  if (sanitizer->region_count == sanitizer->region_capacity) {
    int capacity = sanitizer->region_capacity ? sanitizer->region_capacity * 2 : 8;
    tracked_region *grown = realloc(sanitizer->regions, (size_t)capacity * sizeof *grown);
    if (!grown)
      return -1;
    sanitizer->regions = grown;
    sanitizer->region_capacity = capacity;
  }
  /* Read-only memory needs no cells: it is only ever read, and counts as written. */
  tracked_region region = {(uintptr_t)base, bytes, strdup(name ? name : "memory"), read_only,
                           read_only ? NULL : calloc(word_count((uintptr_t)base, bytes),
                                                     sizeof(shadow_cell))};
  if (!region.name || (!read_only && !region.cells)) {
    free_region(&region);
    return -1;
  }
  int at = 0;
  while (at < sanitizer->region_count && sanitizer->regions[at].base < region.base)
    at++;
  memmove(&sanitizer->regions[at + 1], &sanitizer->regions[at],
          (size_t)(sanitizer->region_count - at) * sizeof region);
  sanitizer->regions[at] = region;
  sanitizer->region_count++;
  if (written)
    dlrt_sanitizer_set_written(sanitizer, base, bytes, 1);
  return 0;
}

void dlrt_sanitizer_set_written(dlrt_sanitizer *sanitizer, const void *base, uint64_t bytes,
                                int written) {
  uintptr_t start = (uintptr_t)base, end = start + bytes;
  tracked_region *region = dlrt_sanitizer_find_region(sanitizer, start);
  if (!region || !region->cells)
    return;
  if (end > region->base + region->bytes)
    end = region->base + region->bytes;
  uintptr_t first_word = region->base & ~(uintptr_t)3;
  for (uintptr_t byte = start; byte < end;) {
    shadow_cell *cell = &region->cells[(byte - first_word) / 4];
    if (byte % 4 == 0 && byte + 4 <= end) { /* whole words at once */
      cell->written = written ? 0xf : 0;
      byte += 4;
      continue;
    }
    uint8_t bit = (uint8_t)(1u << (byte % 4));
    cell->written = written ? (uint8_t)(cell->written | bit) : (uint8_t)(cell->written & ~bit);
    byte++;
  }
}

static uint32_t next_random(uint32_t *state) {
  uint32_t x = *state ? *state : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

static uint32_t gcd(uint32_t a, uint32_t b) {
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* The order of this block's threads: identity, reversed, strided or shuffled in turn. */
static void choose_order(dlrt_sanitizer *sanitizer) {
  uint32_t n = sanitizer->threads, *order = sanitizer->order;
  uint32_t mode = (uint32_t)((sanitizer->launch_number + sanitizer->block_key) % 4);
  uint32_t stride = 3;
  while (gcd(stride, n) != 1)
    stride += 2;
  uint32_t state = sanitizer->seed ^ (uint32_t)(sanitizer->launch_number * 2654435761u) ^
                   sanitizer->block_key;
  for (uint32_t i = 0; i < n; i++)
    order[i] = mode == 0 ? i : mode == 1 ? n - 1 - i : mode == 2 ? (uint32_t)((uint64_t)i * stride % n) : i;
  if (mode == 3)
    for (uint32_t i = n - 1; i > 0; i--) {
      uint32_t j = next_random(&state) % (i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
}

int dlrt_sanitizer_run(dlrt_sanitizer *sanitizer, const dlrt_sanitizer_launch *launch) {
  uint64_t threads = (uint64_t)launch->block[0] * launch->block[1] * launch->block[2];
  if (!threads || threads > 1024 || !launch->fn)
    return 0;
  size_t shared_size = ((size_t)launch->shared_bytes + 15) & ~(size_t)15;
  size_t scratch_size = ((size_t)launch->scratch_bytes + 15) & ~(size_t)15;
  void *shared = aligned_alloc(16, shared_size ? shared_size : 16);
  void *scratch = aligned_alloc(16, scratch_size ? scratch_size : 16);
  sanitizer->shared = calloc(shared_size / 4 + 2, sizeof(shadow_cell));
  sanitizer->order = calloc(threads, sizeof(uint32_t));
  uint64_t before = sanitizer->report_count;
  int status = shared && scratch && sanitizer->shared && sanitizer->order ? 0 : -1;
  sanitizer->launch = launch;
  sanitizer->launch_number++;
  sanitizer->threads = (uint32_t)threads;
  sanitizer->blocks = launch->grid[0] * launch->grid[1] * launch->grid[2];
  sanitizer->hooks.thread_order = sanitizer->order;
  dlrt_host_launch host = {.shared_memory = shared, .scratch = scratch,
                           .sanitizer = &sanitizer->hooks};
  memcpy(host.grid, launch->grid, sizeof host.grid);
  memcpy(host.block, launch->block, sizeof host.block);
  for (uint32_t z = 0; status == 0 && z < launch->grid[2]; z++)
    for (uint32_t y = 0; y < launch->grid[1]; y++)
      for (uint32_t x = 0; x < launch->grid[0]; x++) {
        host.block_index[0] = x, host.block_index[1] = y, host.block_index[2] = z;
        sanitizer->block_key = (z * launch->grid[1] + y) * launch->grid[0] + x;
        sanitizer->block_stamp++;
        dlrt_sanitizer_sync_begin_block(sanitizer);
        /* Garbage, as a GPU's fresh shared memory: a kernel must not rely on its contents. */
        memset(shared, 0xA5, shared_size ? shared_size : 16);
        memset(scratch, 0x5A, scratch_size ? scratch_size : 16);
        choose_order(sanitizer);
        launch->fn(launch->params, &host);
      }
  free(shared);
  free(scratch);
  free(sanitizer->shared);
  free(sanitizer->order);
  dlrt_sanitizer_sync_end_launch(sanitizer);
  sanitizer->shared = NULL;
  sanitizer->order = NULL;
  sanitizer->hooks.thread_order = NULL;
  if (status || sanitizer->out_of_memory)
    return -1;
  return (int)(sanitizer->report_count - before);
}
