/* First-fit packing over lifetimes with an interval index: the buffers are sorted by first
 * step under a max tree of the latest last step among the placed ones of each range, so the
 * placed buffers live during [first, last] are found in O((conflicts + 1) log n) — a scan of
 * all of them made planning quadratic in the node count. */
#include "ir/interval_pack.h"

#include <limits.h>
#include <stdlib.h>

typedef struct placed_index {
  ir_pack_buffer **by_first;
  int *sorted_position; /* of buffers[i] in by_first */
  int count, leaves;    /* leaves: count rounded up to a power of two */
  int *latest_last;     /* tree nodes, 1-based heap order; INT_MIN where none is placed */
} placed_index;

int ir_pack_compare_by_size(const void *a, const void *b) {
  const ir_pack_buffer *x = a, *y = b;
  if (x->bytes != y->bytes)
    return x->bytes < y->bytes ? 1 : -1;
  return (x->first > y->first) - (x->first < y->first);
}

static int compare_offsets(const void *a, const void *b) {
  const ir_pack_buffer *const *x = a, *const *y = b;
  return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

static int compare_by_first(const void *a, const void *b) {
  const ir_pack_buffer *const *x = a, *const *y = b;
  if ((*x)->first != (*y)->first)
    return (*x)->first < (*y)->first ? -1 : 1;
  if ((*x)->last != (*y)->last)
    return (*x)->last < (*y)->last ? -1 : 1;
  return (*x < *y) ? -1 : (*x > *y); /* deterministic among equal lifetimes */
}

static int placed_index_init(placed_index *index, ir_pack_buffer *buffers, int count) {
  index->count = count;
  index->leaves = 1;
  while (index->leaves < count)
    index->leaves *= 2;
  index->by_first = malloc(((size_t)count + 1) * sizeof(ir_pack_buffer *));
  index->sorted_position = malloc(((size_t)count + 1) * sizeof(int));
  index->latest_last = malloc(2 * (size_t)index->leaves * sizeof(int));
  if (!index->by_first || !index->sorted_position || !index->latest_last)
    return -1;
  for (int i = 0; i < count; i++)
    index->by_first[i] = &buffers[i];
  qsort(index->by_first, (size_t)count, sizeof(ir_pack_buffer *), compare_by_first);
  for (int i = 0; i < count; i++)
    index->sorted_position[index->by_first[i] - buffers] = i;
  for (int i = 0; i < 2 * index->leaves; i++)
    index->latest_last[i] = INT_MIN;
  return 0;
}

static void placed_index_deinit(placed_index *index) {
  free(index->by_first);
  free(index->sorted_position);
  free(index->latest_last);
}

static void placed_index_add(placed_index *index, int sorted_position) {
  int node = index->leaves + sorted_position;
  index->latest_last[node] = index->by_first[sorted_position]->last;
  for (node /= 2; node >= 1; node /= 2) {
    int left = index->latest_last[2 * node], right = index->latest_last[2 * node + 1];
    index->latest_last[node] = left > right ? left : right;
  }
}

/* Appends to `out` the placed buffers among sorted positions [0, end) of tree node `node`
 * (covering [low, high)) whose last step is at least `first`. */
static void collect_live(const placed_index *index, int node, int low, int high, int end,
                         int first, ir_pack_buffer **out, int *out_count) {
  if (low >= end || index->latest_last[node] < first)
    return;
  if (high - low == 1) {
    out[(*out_count)++] = index->by_first[low];
    return;
  }
  int middle = low + (high - low) / 2;
  collect_live(index, 2 * node, low, middle, end, first, out, out_count);
  collect_live(index, 2 * node + 1, middle, high, end, first, out, out_count);
}

/* Lowest offset where `buffer` fits beside the placed buffers whose lifetimes overlap. */
static uint64_t place(const ir_pack_buffer *buffer, const placed_index *index,
                      ir_pack_buffer **scratch) {
  /* Overlap: placed first <= buffer->last (a prefix of the sorted order) and last >= first. */
  int low = 0, high = index->count;
  while (low < high) {
    int middle = low + (high - low) / 2;
    if (index->by_first[middle]->first <= buffer->last)
      low = middle + 1;
    else
      high = middle;
  }
  int conflicts = 0;
  collect_live(index, 1, 0, index->leaves, low, buffer->first, scratch, &conflicts);
  qsort(scratch, (size_t)conflicts, sizeof(*scratch), compare_offsets);
  uint64_t offset = 0;
  for (int i = 0; i < conflicts; i++) {
    if (scratch[i]->offset >= offset + buffer->bytes)
      break;
    uint64_t end = scratch[i]->offset + scratch[i]->bytes;
    if (end > offset)
      offset = end;
  }
  return offset;
}

int ir_pack_place(ir_pack_buffer *buffers, int count, int placed, uint64_t *out_end) {
  placed_index index = {0};
  ir_pack_buffer **scratch = malloc(((size_t)count + 1) * sizeof(ir_pack_buffer *));
  int status = -1;
  if (!scratch || placed_index_init(&index, buffers, count) != 0)
    goto done;
  *out_end = 0;
  for (int i = 0; i < count; i++) {
    if (i >= placed)
      buffers[i].offset = place(&buffers[i], &index, scratch);
    placed_index_add(&index, index.sorted_position[i]);
    if (buffers[i].offset + buffers[i].bytes > *out_end)
      *out_end = buffers[i].offset + buffers[i].bytes;
  }
  status = 0;
done:
  placed_index_deinit(&index);
  free(scratch);
  return status;
}

static int compare_steps(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

int ir_pack_peak(const ir_pack_buffer *buffers, int count, uint64_t *out_peak) {
  /* events[2i]: (first, +bytes); events[2i+1]: (last + 1, -bytes); at equal steps the order
   * does not matter once the whole step is summed. */
  int64_t (*events)[2] = malloc(((size_t)count * 2 + 1) * sizeof(*events));
  if (!events)
    return -1;
  for (int i = 0; i < count; i++) {
    events[2 * i][0] = buffers[i].first;
    events[2 * i][1] = (int64_t)buffers[i].bytes;
    events[2 * i + 1][0] = (int64_t)buffers[i].last + 1;
    events[2 * i + 1][1] = -(int64_t)buffers[i].bytes;
  }
  qsort(events, (size_t)count * 2, sizeof(*events), compare_steps);
  int64_t live = 0;
  *out_peak = 0;
  for (int i = 0; i < 2 * count; i++) {
    live += events[i][1];
    if ((i + 1 == 2 * count || events[i + 1][0] != events[i][0]) && (uint64_t)live > *out_peak)
      *out_peak = (uint64_t)live;
  }
  free(events);
  return 0;
}
