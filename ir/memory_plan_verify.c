/* The memory plan verifier: a sweep over the schedule keeps the buffers live at each step,
 * sorted by offset; each must end before the next begins, except an output written in place
 * over its input (same offset, ir_node_may_write_in_place). Work: the live buffers of every
 * step, sorted. */
#include "ir/memory_plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct live_buffer {
  uint64_t offset, bytes;
  int id;   /* value id, or -1 - step for a step's workspace */
  int last; /* last live step */
} live_buffer;

static int compare_live(const void *a, const void *b) {
  const live_buffer *x = a, *y = b;
  if (x->offset != y->offset)
    return x->offset < y->offset ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static const ir_node *node_at(const ir_graph *graph, int step) {
  const ir_node *node = graph->body.first;
  for (int s = 0; node && s < step; s++)
    node = node->next;
  return node;
}

static void describe(const ir_graph *graph, const ir_memory_plan *plan, const live_buffer *buffer,
                     char *out, size_t size) {
  if (buffer->id >= 0) {
    snprintf(out, size, "'%s' (bytes %" PRIu64 "..%" PRIu64 ")", plan->roots[buffer->id]->name,
             buffer->offset, buffer->offset + buffer->bytes);
    return;
  }
  const ir_node *node = node_at(graph, -1 - buffer->id);
  snprintf(out, size, "the workspace of node '%s' (bytes %" PRIu64 "..%" PRIu64 ")",
           node && node->name ? node->name : "?", buffer->offset, buffer->offset + buffer->bytes);
}

static int overlap_error(const ir_graph *graph, const ir_memory_plan *plan, int step,
                         const live_buffer *a, const live_buffer *b, const char *why, dl_diag *diag) {
  char first[256], second[256];
  describe(graph, plan, a, first, sizeof(first));
  describe(graph, plan, b, second, sizeof(second));
  const ir_node *node = node_at(graph, step);
  const char *where = step < 0 ? "before the first node" : step >= plan->steps ? "after the last node" : "at node";
  return dl_error(diag, "memory plan: %s and %s are both live %s%s%s%s and share bytes%s%s",
                  first, second, where, node && step >= 0 ? " '" : "",
                  node && step >= 0 && node->name ? node->name : "", node && step >= 0 ? "'" : "",
                  why ? ": " : "", why ? why : "");
}

/* Whether `b` is written in place over `a` at `step` (or the other way round). */
static bool in_place_pair(const ir_memory_plan *plan, int step, const live_buffer *a,
                          const live_buffer *b) {
  if (a->id < 0 || b->id < 0 || a->offset != b->offset)
    return false;
  const live_buffer *input = plan->in_place_of[b->id] == a->id ? a : b;
  const live_buffer *output = input == a ? b : a;
  return plan->in_place_of[output->id] == input->id && plan->first[output->id] == step &&
         plan->last[input->id] == step;
}

/* Why `x` and `y`, both live at `step`, may not share bytes, when one is born there: the other
 * is read later, or the node may not write over it. NULL when neither is born there. */
static const char *why_not_in_place(const ir_graph *graph, const ir_memory_plan *plan, int step,
                                    const ir_value *x, const ir_value *y) {
  const ir_value *output = plan->first[x->id] == step ? x : plan->first[y->id] == step ? y : NULL;
  const ir_value *input = output == x ? y : x;
  if (!output || plan->first[input->id] == step)
    return NULL;
  if (plan->offsets[input->id] != plan->offsets[output->id])
    return "an output written in place starts at its input's offset";
  if (plan->last[input->id] > step)
    return "the input is read after this node";
  const char *why = NULL;
  ir_node_may_write_in_place(node_at(graph, step), input, output, &why);
  return why;
}

static int check_step(const ir_graph *graph, const ir_memory_plan *plan, int step,
                      live_buffer *live, int count, dl_diag *diag) {
  qsort(live, (size_t)count, sizeof(live_buffer), compare_live);
  int holder = -1; /* the buffer reaching furthest so far */
  bool paired = false;
  for (int i = 0; i < count; i++) {
    if (holder >= 0 && live[i].offset < live[holder].offset + live[holder].bytes) {
      const char *why = NULL;
      if (!paired && in_place_pair(plan, step, &live[holder], &live[i])) {
        paired = true;
        if (live[i].bytes > live[holder].bytes)
          holder = i;
        continue;
      }
      if (live[i].id >= 0 && live[holder].id >= 0 && step >= 0 && step < plan->steps)
        why = why_not_in_place(graph, plan, step, plan->roots[live[holder].id],
                               plan->roots[live[i].id]);
      return overlap_error(graph, plan, step, &live[holder], &live[i], why, diag);
    }
    if (holder < 0 || live[i].offset + live[i].bytes > live[holder].offset + live[holder].bytes) {
      holder = i;
      paired = false;
    }
  }
  return 0;
}

static int check_buffer(const ir_memory_plan *plan, const char *what, const char *name,
                        uint64_t offset, uint64_t bytes, dl_diag *diag) {
  if (offset % IR_ARENA_ALIGN != 0)
    return dl_error(diag, "memory plan: %s'%s' is at arena offset %" PRIu64 ", not a multiple of %d",
                    what, name, offset, IR_ARENA_ALIGN);
  if (offset + bytes > plan->arena_bytes || offset + bytes < offset)
    return dl_error(diag, "memory plan: %s'%s' (bytes %" PRIu64 "..%" PRIu64 ") ends beyond the "
                    "arena of %" PRIu64 " bytes", what, name, offset, offset + bytes,
                    plan->arena_bytes);
  return 0;
}

int ir_memory_plan_verify(const ir_graph *graph, const ir_memory_plan *plan, dl_diag *diag) {
  /* Buffers born at each step (index step + 1), as a linked list through `next`. */
  int buckets = plan->steps + 2, total = plan->num_values + plan->steps;
  int *head = malloc(((size_t)buckets + 1) * sizeof(int));
  int *next = malloc(((size_t)total + 1) * sizeof(int));
  live_buffer *all = calloc((size_t)total + 1, sizeof(live_buffer));
  live_buffer *live = calloc((size_t)total + 1, sizeof(live_buffer));
  int status = -1, count = 0, live_count = 0;
  if (!head || !next || !all || !live) {
    dl_error(diag, "out of memory verifying the memory plan");
    goto done;
  }
  for (int b = 0; b < buckets; b++)
    head[b] = -1;
  for (int i = 0; i < plan->num_values; i++) {
    if (!plan->roots[i])
      continue;
    if (plan->offsets[i] < 0) {
      dl_error(diag, "memory plan: '%s' has no arena offset", plan->roots[i]->name);
      goto done;
    }
    all[count] = (live_buffer){.offset = (uint64_t)plan->offsets[i], .bytes = plan->bytes[i],
                               .id = i, .last = plan->last[i]};
    if (check_buffer(plan, "", plan->roots[i]->name, all[count].offset, all[count].bytes, diag))
      goto done;
    next[count] = head[plan->first[i] + 1];
    head[plan->first[i] + 1] = count++;
  }
  for (int s = 0; plan->workspace_bytes && s < plan->steps; s++) {
    if (plan->workspace_bytes[s] <= 0)
      continue;
    const ir_node *node = node_at(graph, s);
    all[count] = (live_buffer){.offset = (uint64_t)plan->workspace_offsets[s],
                               .bytes = (uint64_t)plan->workspace_bytes[s], .id = -1 - s, .last = s};
    if (check_buffer(plan, "the workspace of node ", node && node->name ? node->name : "?",
                     all[count].offset, all[count].bytes, diag))
      goto done;
    next[count] = head[s + 1];
    head[s + 1] = count++;
  }
  for (int step = -1; step <= plan->steps; step++) {
    int kept = 0;
    for (int i = 0; i < live_count; i++)
      if (live[i].last >= step)
        live[kept++] = live[i];
    live_count = kept;
    for (int b = head[step + 1]; b >= 0; b = next[b])
      live[live_count++] = all[b];
    if (check_step(graph, plan, step, live, live_count, diag) != 0)
      goto done;
  }
  status = 0;
done:
  free(head);
  free(next);
  free(all);
  free(live);
  return status;
}
