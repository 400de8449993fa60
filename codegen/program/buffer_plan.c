/* Buffer planning: views alias their input, constants go to the weights blob, everything
 * else gets an arena offset from a greedy by-size plan over lifetimes (no two buffers that
 * are live at the same step overlap). A dl.group is one step: its outputs get buffers, the
 * values inside it none, and what its nodes read from outside lives until it runs. */
#include "codegen/program/buffer_plan.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/ops/op_lowering.h"
#include "ir/infer.h"

typedef struct plan_buffer {
  const ir_value *value; /* NULL for a node workspace */
  int node_position;     /* workspace: its node */
  uint64_t bytes;        /* rounded up to DL_BUFFER_ALIGN */
  int first, last;       /* live steps, inclusive; graph inputs start at -1 */
  uint64_t offset;
  int sorted_position; /* in placed_index.by_first */
} plan_buffer;

const ir_value *dl_buffer_root(const ir_value *value) {
  while (value && value->kind == IR_VALUE_RESULT && value->producer &&
         lower_is_view(value->producer->op) && value->producer->num_inputs > 0)
    value = value->producer->inputs[0];
  return value;
}

static uint64_t round_up(uint64_t bytes) {
  return (bytes + DL_BUFFER_ALIGN - 1) & ~(uint64_t)(DL_BUFFER_ALIGN - 1);
}

static int compare_by_size(const void *a, const void *b) {
  const plan_buffer *x = a, *y = b;
  if (x->bytes != y->bytes)
    return x->bytes < y->bytes ? 1 : -1;
  return x->first - y->first; /* deterministic order among equals */
}

static int compare_offsets(const void *a, const void *b) {
  const plan_buffer *const *x = a, *const *y = b;
  return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

static int compare_by_first(const void *a, const void *b) {
  const plan_buffer *const *x = a, *const *y = b;
  if ((*x)->first != (*y)->first)
    return (*x)->first < (*y)->first ? -1 : 1;
  return (*x)->last - (*y)->last;
}

/* The placed buffers, found by lifetime: every buffer sorted by first step, under a max tree
 * holding the latest last step among the placed ones of each range, so that the placed
 * buffers live during [first, last] are found in O((conflicts + 1) log n) — a scan of all of
 * them made planning quadratic in the node count. */
typedef struct placed_index {
  plan_buffer **by_first;
  int count, leaves; /* leaves: count rounded up to a power of two */
  int *latest_last;  /* tree nodes, 1-based heap order; INT_MIN where none is placed */
} placed_index;

static int placed_index_init(placed_index *index, plan_buffer *buffers, int count) {
  index->count = count;
  index->leaves = 1;
  while (index->leaves < count)
    index->leaves *= 2;
  index->by_first = malloc(((size_t)count + 1) * sizeof(plan_buffer *));
  index->latest_last = malloc(2 * (size_t)index->leaves * sizeof(int));
  if (!index->by_first || !index->latest_last)
    return -1;
  for (int i = 0; i < count; i++)
    index->by_first[i] = &buffers[i];
  qsort(index->by_first, (size_t)count, sizeof(plan_buffer *), compare_by_first);
  for (int i = 0; i < count; i++)
    index->by_first[i]->sorted_position = i;
  for (int i = 0; i < 2 * index->leaves; i++)
    index->latest_last[i] = INT_MIN;
  return 0;
}

static void placed_index_deinit(placed_index *index) {
  free(index->by_first);
  free(index->latest_last);
}

static void placed_index_add(placed_index *index, const plan_buffer *buffer) {
  int node = index->leaves + buffer->sorted_position;
  index->latest_last[node] = buffer->last;
  for (node /= 2; node >= 1; node /= 2) {
    int left = index->latest_last[2 * node], right = index->latest_last[2 * node + 1];
    index->latest_last[node] = left > right ? left : right;
  }
}

/* Appends to `out` the placed buffers among sorted positions [0, end) of tree node `node`
 * (covering [low, high)) whose last step is at least `first`. */
static void collect_live(const placed_index *index, int node, int low, int high, int end,
                         int first, plan_buffer **out, int *out_count) {
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
static uint64_t place(const plan_buffer *buffer, const placed_index *index,
                      plan_buffer **scratch) {
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

/* The most bytes live at any one step (steps -1 .. node_count): a sweep over the steps where
 * lifetimes begin and end. */
static int live_lower_bound(const plan_buffer *buffers, int count, int node_count,
                            uint64_t *out) {
  /* change[s + 1]: bytes that become live at step s minus those that died after step s - 1 */
  int64_t *change = calloc((size_t)node_count + 3, sizeof(int64_t));
  if (!change)
    return -1;
  for (int i = 0; i < count; i++) {
    change[buffers[i].first + 1] += (int64_t)buffers[i].bytes;
    change[buffers[i].last + 2] -= (int64_t)buffers[i].bytes;
  }
  int64_t live = 0;
  *out = 0;
  for (int step = 0; step <= node_count + 1; step++) {
    live += change[step];
    if ((uint64_t)live > *out)
      *out = (uint64_t)live;
  }
  free(change);
  return 0;
}

/* Reads of `reader` (a top-level node, or a node inside the group `top`) that live outside
 * `top`: constants a kernel reads become weights, other roots live until `position`. */
static void note_reads(dl_buffer_plan *plan, const ir_node *top, const ir_node *reader,
                       int position, int *last) {
  for (int i = 0; i < reader->num_inputs; i++) {
    const ir_value *root = dl_buffer_root(reader->inputs[i]);
    if (!root || (reader != top && (root->region == top->body ||
                                    (root->producer && root->producer->parent == top->body))))
      continue; /* absent, or computed inside the group: no buffer */
    if (root->kind == IR_VALUE_CONSTANT) {
      if (!lower_is_view(reader->op) || reader != top) /* a group's views read as indexing */
        plan->values[root->id].kind = DL_LOCATION_WEIGHT;
    } else if (last[root->id] < position) {
      last[root->id] = position;
    }
  }
}

static int value_bytes(const ir_value *value, uint64_t *out, dl_diag *diag) {
  int64_t bytes;
  if (!ir_type_byte_size(&value->type, &bytes))
    return dl_error(diag, "value '%s' has no static byte size (symbolic or overflowing shape)",
                    value->name);
  *out = (uint64_t)bytes;
  return 0;
}

int dl_buffer_plan_build(const ir_graph *graph, const int64_t *workspace_bytes,
                         dl_buffer_plan *plan, dl_diag *diag) {
  memset(plan, 0, sizeof(*plan));
  int node_count = 0;
  for (ir_node *node = graph->body.first; node; node = node->next)
    node_count++;
  plan->num_values = graph->num_values;
  plan->values = calloc((size_t)graph->num_values + 1, sizeof(dl_location));
  plan->workspace_offsets = calloc((size_t)node_count + 1, sizeof(uint64_t));
  int *first = malloc(((size_t)graph->num_values + 1) * sizeof(int));
  int *last = malloc(((size_t)graph->num_values + 1) * sizeof(int));
  plan_buffer *buffers = calloc((size_t)(graph->num_values + node_count) + 1, sizeof(plan_buffer));
  plan_buffer **scratch = calloc((size_t)(graph->num_values + node_count) + 1, sizeof(void *));
  placed_index index = {0};
  int status = -1, count = 0;
  if (!plan->values || !plan->workspace_offsets || !first || !last || !buffers || !scratch) {
    dl_error(diag, "out of memory planning buffers");
    goto done;
  }
  for (int i = 0; i < graph->num_values; i++)
    first[i] = last[i] = -2; /* -2: not an arena buffer */

  /* Lifetimes of root buffers: defined by their producer, alive until their last reader. */
  for (int i = 0; i < graph->body.num_params; i++)
    first[graph->body.params[i]->id] = last[graph->body.params[i]->id] = -1;
  int position = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, position++) {
    note_reads(plan, node, node, position, last);
    for (const ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
      note_reads(plan, node, inner, position, last);
    if (!lower_is_view(node->op))
      for (int i = 0; i < node->num_outputs; i++)
        first[node->outputs[i]->id] = last[node->outputs[i]->id] = position;
    else
      plan->num_views++;
  }
  for (int i = 0; i < graph->body.num_results; i++) {
    const ir_value *root = dl_buffer_root(graph->body.results[i]);
    if (root->kind == IR_VALUE_CONSTANT) {
      dl_error(diag, "graph output '%s' is a constant; constant outputs are not supported yet",
               graph->body.results[i]->name);
      goto done;
    }
    last[root->id] = node_count;
  }

  /* Weights: every constant a kernel reads, in creation order. */
  for (int i = 0; i < graph->num_constants; i++) {
    const ir_value *constant = graph->constants[i];
    if (plan->values[constant->id].kind != DL_LOCATION_WEIGHT)
      continue;
    uint64_t bytes = 0;
    if (value_bytes(constant, &bytes, diag) != 0)
      goto done;
    if (!constant->data) {
      dl_error(diag, "constant '%s' was elided from the dump; the graph cannot be compiled",
               constant->name);
      goto done;
    }
    plan->values[constant->id].offset = plan->weight_bytes;
    /* An empty constant still gets a slot, as arena buffers do, so that its offset lies
     * inside the weights like every other. */
    plan->weight_bytes += round_up(bytes ? bytes : 1);
  }

  /* Arena buffers: every root value with a lifetime, plus node workspaces. */
  for (int i = 0; i < graph->body.num_params; i++) {
    const ir_value *input = graph->body.params[i];
    buffers[count++] = (plan_buffer){.value = input, .first = -1, .last = last[input->id]};
  }
  for (ir_node *node = graph->body.first; node; node = node->next) {
    if (lower_is_view(node->op))
      continue;
    for (int i = 0; i < node->num_outputs; i++) {
      const ir_value *output = node->outputs[i];
      buffers[count++] = (plan_buffer){.value = output, .first = first[output->id],
                                       .last = last[output->id]};
    }
  }
  position = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, position++)
    if (workspace_bytes && workspace_bytes[position] > 0)
      buffers[count++] = (plan_buffer){.node_position = position,
                                       .bytes = round_up((uint64_t)workspace_bytes[position]),
                                       .first = position, .last = position};
  for (int i = 0; i < count; i++)
    if (buffers[i].value) {
      uint64_t bytes = 0;
      if (value_bytes(buffers[i].value, &bytes, diag) != 0)
        goto done;
      buffers[i].bytes = round_up(bytes ? bytes : 1);
    }

  if (live_lower_bound(buffers, count, node_count, &plan->live_lower_bound) != 0) {
    dl_error(diag, "out of memory planning buffers");
    goto done;
  }

  qsort(buffers, (size_t)count, sizeof(plan_buffer), compare_by_size);
  if (placed_index_init(&index, buffers, count) != 0) {
    dl_error(diag, "out of memory planning buffers");
    goto done;
  }
  for (int i = 0; i < count; i++) {
    buffers[i].offset = place(&buffers[i], &index, scratch);
    placed_index_add(&index, &buffers[i]);
    if (buffers[i].offset + buffers[i].bytes > plan->arena_bytes)
      plan->arena_bytes = buffers[i].offset + buffers[i].bytes;
    if (buffers[i].value)
      plan->values[buffers[i].value->id] =
          (dl_location){.kind = DL_LOCATION_ARENA, .offset = buffers[i].offset};
    else
      plan->workspace_offsets[buffers[i].node_position] = buffers[i].offset;
  }
  /* Views share their root's location. */
  for (ir_node *node = graph->body.first; node; node = node->next)
    if (lower_is_view(node->op))
      for (int i = 0; i < node->num_outputs; i++)
        plan->values[node->outputs[i]->id] = plan->values[dl_buffer_root(node->outputs[i])->id];
  status = 0;
done:
  free(first);
  free(last);
  free(buffers);
  placed_index_deinit(&index);
  free(scratch);
  if (status != 0)
    dl_buffer_plan_deinit(plan);
  return status;
}

void dl_buffer_plan_deinit(dl_buffer_plan *plan) {
  free(plan->values);
  free(plan->workspace_offsets);
  memset(plan, 0, sizeof(*plan));
}
