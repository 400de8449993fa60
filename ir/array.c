/* Growable arrays: the growth rule shared by compiler code (ir/array.h). */
#include "ir/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ARRAY_MIN_CAPACITY = 16 };

void *ir_array_reserve(ir_arena *arena, void *items, size_t *capacity, size_t needed,
                       size_t element) {
  if (needed <= *capacity)
    return items;
  size_t grown = *capacity ? *capacity : ARRAY_MIN_CAPACITY;
  while (grown < needed) {
    if (grown > SIZE_MAX / 2)
      return NULL;
    grown *= 2;
  }
  if (element && grown > SIZE_MAX / element)
    return NULL;
  void *block;
  if (arena) {
    block = ir_arena_alloc_array(arena, grown, element);
    if (block && *capacity)
      memcpy(block, items, *capacity * element);
  } else {
    block = realloc(items, grown * element);
  }
  if (!block)
    return NULL;
  *capacity = grown;
  return block;
}
