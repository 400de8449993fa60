/* Happens-before between the blocks of one launch through fences and atomics (kb_fence):
 *
 *   writer block W: accesses; fence (every thread); barrier; an atomic on word C  (release)
 *   block L:        an atomic on C that comes after W's; fence and barrier; accesses (acquire)
 *
 * W's accesses before its fence then happen before L's accesses after the acquire. The
 * release needs the barrier between the fence and the atomic (the fence of a thread that did
 * not count orders nothing before another thread's count); the acquire needs every thread
 * of L ordered after the atomic: a barrier between the atomic and the fence, or one after
 * the fence. Blocks run one after another here, so "comes after W's" is the order they ran
 * in: on a GPU, the count a block reads is the proof (the last of a split reads split-1).
 * Ticks (shadow_access.epoch) count a block's barriers and fences; an access before W's
 * fence has a tick below the fence's. */
#include <stdlib.h>
#include <string.h>

#include "runtime/sanitizer_internal.h"

void dlrt_sanitizer_sync_begin_block(dlrt_sanitizer *sanitizer) {
  sanitizer->epoch = 0;
  sanitizer->barrier_tick = 0;
  sanitizer->fence_tick = 0;
  sanitizer->pending_tick = 0;
  if (sanitizer->sync_touched && sanitizer->acquired) {
    memset(sanitizer->acquired, 0, 3 * sizeof(uint16_t) * sanitizer->blocks);
    sanitizer->sync_touched = 0;
  }
}

void dlrt_sanitizer_sync_end_launch(dlrt_sanitizer *sanitizer) {
  free(sanitizer->acquired);
  sanitizer->acquired = NULL;
  sanitizer->release_count = 0;
  sanitizer->sync_touched = 0;
}

/* Merges the per-block ticks of `from` into `into` (the larger wins) and clears `from`. */
static void merge(dlrt_sanitizer *sanitizer, uint16_t *into, uint16_t *from) {
  for (uint32_t b = 0; b < sanitizer->blocks; b++) {
    if (from[b] > into[b])
      into[b] = from[b];
    from[b] = 0;
  }
}

void dlrt_sanitizer_sync_event(dlrt_sanitizer *sanitizer, uint32_t kind) {
  sanitizer->epoch++;
  if (kind == DLRT_EVENT_BARRIER)
    sanitizer->barrier_tick = sanitizer->epoch;
  else
    sanitizer->fence_tick = sanitizer->epoch;
  if (!sanitizer->sync_touched)
    return;
  uint16_t *pending = sanitizer->acquired + sanitizer->blocks;
  uint16_t *fenced = pending + sanitizer->blocks;
  if (kind == DLRT_EVENT_BARRIER) {
    merge(sanitizer, sanitizer->acquired, fenced); /* the fence's threads, after the atomic */
    return;
  }
  if (!sanitizer->pending_tick)
    return;
  /* with a barrier since the atomic, every thread fences after it */
  merge(sanitizer,
        sanitizer->barrier_tick >= sanitizer->pending_tick ? sanitizer->acquired : fenced, pending);
  sanitizer->pending_tick = 0;
}

static int add_release(dlrt_sanitizer *sanitizer, uintptr_t word) {
  if (!sanitizer->acquired &&
      !(sanitizer->acquired = calloc(3 * (size_t)sanitizer->blocks, sizeof(uint16_t))))
    return -1;
  if (sanitizer->release_count == sanitizer->release_capacity) {
    uint32_t capacity = sanitizer->release_capacity ? 2 * sanitizer->release_capacity : 64;
    sync_release *grown = realloc(sanitizer->releases, capacity * sizeof *grown);
    if (!grown)
      return -1;
    sanitizer->releases = grown;
    sanitizer->release_capacity = capacity;
  }
  sanitizer->releases[sanitizer->release_count++] =
      (sync_release){word, sanitizer->block_key, sanitizer->fence_tick};
  return 0;
}

void dlrt_sanitizer_sync_atomic(dlrt_sanitizer *sanitizer, uintptr_t address) {
  uintptr_t word = address & ~(uintptr_t)3;
  if (sanitizer->acquired) { /* acquire: what earlier blocks released to this word */
    uint16_t *pending = sanitizer->acquired + sanitizer->blocks;
    for (uint32_t i = 0; i < sanitizer->release_count; i++) {
      const sync_release *release = &sanitizer->releases[i];
      if (release->word != word || release->block == sanitizer->block_key)
        continue;
      if (release->tick > pending[release->block])
        pending[release->block] = release->tick;
      sanitizer->pending_tick = sanitizer->barrier_tick + 1; /* "a barrier since": above this */
      sanitizer->sync_touched = 1;
    }
  }
  /* release: this block fenced, then passed a barrier */
  if (sanitizer->fence_tick && sanitizer->barrier_tick > sanitizer->fence_tick &&
      add_release(sanitizer, word) != 0)
    sanitizer->out_of_memory = 1;
}

int dlrt_sanitizer_ordered(const dlrt_sanitizer *sanitizer, uint32_t block, uint16_t tick) {
  return sanitizer->acquired && block < sanitizer->blocks && tick < sanitizer->acquired[block];
}
