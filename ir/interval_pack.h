/* Packing buffers with lifetimes into one arena: each buffer goes at the lowest offset where
 * it overlaps no buffer placed before it whose lifetime overlaps its own (first fit, in the
 * caller's order); and the most bytes live at one step, which no packing can beat. */
#ifndef DLCC_IR_INTERVAL_PACK_H
#define DLCC_IR_INTERVAL_PACK_H

#include <stdint.h>

typedef struct ir_pack_buffer {
  uint64_t bytes;  /* a multiple of the alignment the caller wants kept */
  int first, last; /* live steps, inclusive */
  uint64_t offset; /* set by ir_pack_place, or given for the buffers already placed */
} ir_pack_buffer;

/* Places buffers[placed .. count) in order; buffers[0 .. placed) keep the offsets they have.
 * `*out_end` becomes the end of the highest buffer. -1 when memory ran out. */
int ir_pack_place(ir_pack_buffer *buffers, int count, int placed, uint64_t *out_end);

/* The most bytes live at any one step (a sweep over where lifetimes begin and end). -1 when
 * memory ran out. */
int ir_pack_peak(const ir_pack_buffer *buffers, int count, uint64_t *out_peak);

/* qsort order: larger buffers first, then earlier first steps (deterministic). */
int ir_pack_compare_by_size(const void *a, const void *b);

#endif
