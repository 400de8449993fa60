/* Hash index from kernel names and fingerprints to kernel indices (see kb_internal.h): a
 * lookup costs O(1) instead of a scan of every kernel so far, which made building a model's
 * kernels quadratic in its node count. */
#include <stdint.h>
#include <string.h>

#include "codegen/kb_internal.h"

static uint64_t key_hash(const char *key) {
  uint64_t hash = 1469598103934665603ull; /* FNV-1a */
  for (const unsigned char *c = (const unsigned char *)key; *c; c++)
    hash = (hash ^ *c) * 1099511628211ull;
  return hash;
}

static void place(kb_string_index *index, kb_index_slot slot) {
  int mask = index->capacity - 1;
  int at = (int)(slot.hash & (uint64_t)mask);
  while (index->slots[at].key)
    at = (at + 1) & mask;
  index->slots[at] = slot;
}

int kb_index_add(kernel_builder *kb, kb_string_index *index, const char *key, int value) {
  kb_index_slot slot = {.key = key, .hash = key_hash(key), .value = value};
  kb_index_slot *order =
      kb_grow(kb, index->order, &index->order_capacity, index->count + 1, sizeof *order);
  if (!order)
    return -1;
  index->order = order;
  index->order[index->count++] = slot;
  if (2 * index->count <= index->capacity) { /* at most half full: probes stay short */
    place(index, slot);
    return 0;
  }
  int capacity = index->capacity ? 2 * index->capacity : 64;
  kb_index_slot *slots = ir_arena_alloc_array(kb->arena, (size_t)capacity, sizeof *slots);
  if (!slots)
    return -1;
  index->slots = slots;
  index->capacity = capacity;
  /* Re-placed in the order added, so equal keys are found in that order. */
  for (int i = 0; i < index->count; i++)
    place(index, index->order[i]);
  return 0;
}

int kb_index_next(const kb_string_index *index, const char *key, int *cursor) {
  if (!index->capacity)
    return -1;
  uint64_t hash = key_hash(key);
  int mask = index->capacity - 1;
  for (int probe = *cursor; probe < index->capacity; probe++) {
    const kb_index_slot *slot = &index->slots[(int)((hash + (uint64_t)probe) & (uint64_t)mask)];
    if (!slot->key)
      return -1;
    if (slot->hash == hash && strcmp(slot->key, key) == 0) {
      *cursor = probe + 1;
      return slot->value;
    }
  }
  return -1;
}
