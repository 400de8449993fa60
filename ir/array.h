/* Growable arrays for compiler code: one growth rule (double, at least 16 elements) for
 * arrays in a graph's arena and for heap arrays, instead of a loop per file. */
#ifndef DLCC_IR_ARRAY_H
#define DLCC_IR_ARRAY_H

#include <stddef.h>

#include "ir/arena.h"

/* Returns `items` (moved if it had to grow) with room for at least `needed` elements of
 * `element` bytes, and updates `*capacity`. With `arena` the new block comes from it (the
 * old one stays there until the arena is destroyed); with NULL, from the heap by realloc
 * (the caller frees). NULL when out of memory or the size overflows: then `items` and
 * `*capacity` are unchanged. */
void *ir_array_reserve(ir_arena *arena, void *items, size_t *capacity, size_t needed,
                       size_t element);

/* Appends `value` to `items`, an array of `count` elements with room for `capacity`
 * (lvalues, updated in place). Evaluates to 0, or -1 when out of memory (nothing changed). */
#define IR_ARRAY_APPEND(arena, items, count, capacity, value)                                      \
  __extension__({                                                                                  \
    __typeof__(items) ir_array_grown_ =                                                            \
        ir_array_reserve((arena), (items), &(capacity), (size_t)(count) + 1, sizeof *(items));     \
    int ir_array_status_ = ir_array_grown_ ? 0 : -1;                                               \
    if (ir_array_grown_) {                                                                         \
      (items) = ir_array_grown_;                                                                   \
      (items)[(count)++] = (value);                                                                \
    }                                                                                              \
    ir_array_status_;                                                                              \
  })

#endif
