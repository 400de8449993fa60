/* Memory planning: lifetimes over the schedule, in-place reuse, first-fit packing by size
 * (ir/interval_pack.h), the plan recorded in and read back from the IR, and node workspaces
 * placed beside the buffers live at their node. */
#include "ir/memory_plan.h"

#include <stdlib.h>
#include <string.h>

#include "ir/interval_pack.h"
#include "ir/state.h"

static bool is_view(const ir_node *node) {
  return ir_op_category_of(node->op) == IR_OP_CATEGORY_VIEW;
}

static uint64_t round_up(uint64_t bytes) {
  return (bytes + IR_ARENA_ALIGN - 1) & ~(uint64_t)(IR_ARENA_ALIGN - 1);
}

void ir_memory_plan_deinit(ir_memory_plan *plan) {
  free(plan->offsets);
  free(plan->first);
  free(plan->last);
  free(plan->in_place_of);
  free(plan->roots);
  free(plan->bytes);
  free(plan->workspace_bytes);
  free(plan->workspace_offsets);
  memset(plan, 0, sizeof(*plan));
}

static int plan_alloc(const ir_graph *graph, ir_memory_plan *plan, dl_diag *diag) {
  memset(plan, 0, sizeof(*plan));
  for (ir_node *node = graph->body.first; node; node = node->next)
    plan->steps++;
  size_t count = (size_t)graph->num_values + 1;
  plan->num_values = graph->num_values;
  plan->offsets = malloc(count * sizeof(int64_t));
  plan->first = malloc(count * sizeof(int));
  plan->last = malloc(count * sizeof(int));
  plan->in_place_of = malloc(count * sizeof(int));
  plan->roots = calloc(count, sizeof(ir_value *));
  plan->bytes = calloc(count, sizeof(uint64_t));
  if (!plan->offsets || !plan->first || !plan->last || !plan->in_place_of || !plan->roots ||
      !plan->bytes) {
    ir_memory_plan_deinit(plan);
    return dl_error(diag, "out of memory planning memory");
  }
  for (int i = 0; i < graph->num_values; i++) {
    plan->offsets[i] = -1;
    plan->first[i] = plan->last[i] = IR_NO_LIFETIME;
    plan->in_place_of[i] = -1;
  }
  return 0;
}

/* Makes `value` an arena root born at `step`; its bytes must be static. */
static int add_root(ir_memory_plan *plan, const ir_value *value, int step, dl_diag *diag) {
  int64_t bytes;
  if (!ir_type_byte_size(&value->type, &bytes))
    return dl_error(diag, "value '%s' has no static byte size (symbolic or overflowing shape)",
                    value->name);
  plan->roots[value->id] = value;
  plan->bytes[value->id] = round_up(bytes ? (uint64_t)bytes : 1); /* an empty tensor: a slot */
  plan->first[value->id] = plan->last[value->id] = step;
  return 0;
}

/* Reads of `reader` (a top-level node or a node of its body) from outside the group keep
 * their roots alive until `step`; constants and values of the group have no lifetime. */
static void note_reads(ir_memory_plan *plan, const ir_node *reader, int step) {
  for (int i = 0; i < reader->num_inputs; i++) {
    const ir_value *root = ir_buffer_root(reader->inputs[i]);
    if (root && plan->roots[root->id] && plan->last[root->id] < step)
      plan->last[root->id] = step;
  }
}

/* Lifetimes of the arena roots: from their producer's step (graph inputs: -1) to their last
 * reader's (graph outputs and state updates, copied after the last node: `steps`). */
static int compute_lifetimes(const ir_graph *graph, ir_memory_plan *plan, dl_diag *diag) {
  for (int i = 0; i < graph->body.num_params; i++)
    if (add_root(plan, graph->body.params[i], -1, diag) != 0)
      return -1;
  int step = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, step++) {
    note_reads(plan, node, step);
    for (const ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
      note_reads(plan, inner, step);
    for (int i = 0; !is_view(node) && i < node->num_outputs; i++)
      if (add_root(plan, node->outputs[i], step, diag) != 0)
        return -1;
  }
  for (int i = 0; i < graph->body.num_results; i++) {
    const ir_value *root = ir_buffer_root(graph->body.results[i]);
    if (plan->roots[root->id]) /* a constant output has no buffer (materialize-outputs) */
      plan->last[root->id] = plan->steps;
  }
  for (int i = 0; i < graph->num_state_updates; i++) {
    const ir_value *root = ir_buffer_root(graph->state_updates[i].value);
    if (root && plan->roots[root->id]) /* constants and states live in the weights */
      plan->last[root->id] = plan->steps;
  }
  return 0;
}

/* Whether the arena root `root` dies at `step` and `node` (there) may write `output` over it. */
static bool may_take(const ir_memory_plan *plan, const ir_node *node, int step,
                     const ir_value *root, const ir_value *output) {
  return root && plan->roots[root->id] && plan->last[root->id] == step &&
         ir_node_may_write_in_place(node, root, output, NULL);
}

/* Each output of each node takes the bytes of the first input that may be overwritten there
 * (`same_offset`: only one already at the output's offset, when reading a recorded plan). */
static void choose_in_place(const ir_graph *graph, ir_memory_plan *plan, bool same_offset) {
  int step = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, step++)
    for (int o = 0; !is_view(node) && o < node->num_outputs; o++) {
      const ir_value *output = node->outputs[o];
      for (int i = 0; i < node->num_inputs; i++) {
        const ir_value *root = ir_buffer_root(node->inputs[i]);
        if (!may_take(plan, node, step, root, output) ||
            (same_offset && plan->offsets[root->id] != plan->offsets[output->id]))
          continue;
        bool taken = false; /* by an earlier output of this node */
        for (int k = 0; k < o; k++)
          taken |= plan->in_place_of[node->outputs[k]->id] == root->id;
        if (taken)
          continue;
        plan->in_place_of[output->id] = root->id;
        plan->in_place_count++;
        break;
      }
    }
}

/* The pack buffers of the arena roots and of the workspaces, with room for a workspace a
 * step more. An in-place output starts a step after its input ends, so that the pair counts
 * once in the peak. */
static int collect_buffers(const ir_memory_plan *plan, ir_pack_buffer **out_buffers, int *out_count,
                           dl_diag *diag) {
  size_t capacity = (size_t)plan->num_values + (size_t)plan->steps + 1;
  ir_pack_buffer *buffers = calloc(capacity, sizeof(ir_pack_buffer));
  if (!buffers)
    return dl_error(diag, "out of memory planning memory");
  int count = 0;
  for (int i = 0; i < plan->num_values; i++)
    if (plan->roots[i]) {
      buffers[count++] =
          (ir_pack_buffer){.bytes = plan->bytes[i],
                           .first = plan->first[i] + (plan->in_place_of[i] >= 0),
                           .last = plan->last[i],
                           .offset = plan->offsets[i] >= 0 ? (uint64_t)plan->offsets[i] : 0};
    }
  for (int s = 0; plan->workspace_bytes && s < plan->steps; s++)
    if (plan->workspace_bytes[s] > 0)
      buffers[count++] = (ir_pack_buffer){.bytes = round_up((uint64_t)plan->workspace_bytes[s]),
                                          .first = s,
                                          .last = s,
                                          .offset = (uint64_t)plan->workspace_offsets[s]};
  *out_buffers = buffers;
  *out_count = count;
  return 0;
}

static int update_bounds(ir_memory_plan *plan, dl_diag *diag) {
  ir_pack_buffer *buffers;
  int count;
  if (collect_buffers(plan, &buffers, &count, diag) != 0)
    return -1;
  int status = ir_pack_peak(buffers, count, &plan->live_lower_bound);
  plan->arena_bytes = 0;
  for (int i = 0; i < count; i++)
    if (buffers[i].offset + buffers[i].bytes > plan->arena_bytes)
      plan->arena_bytes = buffers[i].offset + buffers[i].bytes;
  free(buffers);
  return status == 0 ? 0 : dl_error(diag, "out of memory planning memory");
}

/* A chain of in-place writes is one buffer, from its first value's birth to its last value's
 * death. First fit depends on the order buffers are placed in, and no one order is best for
 * every graph: the chains are placed in each order of CHAIN_ORDERS and the smallest arena
 * kept (each placement is O(n log n); the first order wins ties, so plans are stable). */
typedef struct chain {
  ir_pack_buffer buffer;
  int head; /* value id of the chain's first value; -1 - step for a workspace */
} chain;

static int by_head(const chain *x, const chain *y) {
  return (x->head > y->head) - (x->head < y->head);
}

static uint64_t lifetime(const chain *c) {
  return (uint64_t)(c->buffer.last - c->buffer.first + 1);
}

/* Larger buffers first. */
static int by_size(const void *a, const void *b) {
  const chain *x = *(const chain *const *)a, *y = *(const chain *const *)b;
  int order = ir_pack_compare_by_size(&x->buffer, &y->buffer);
  return order ? order : by_head(x, y);
}

/* Larger bytes x steps first: the buffers that constrain the most of the schedule. */
static int by_area(const void *a, const void *b) {
  const chain *x = *(const chain *const *)a, *y = *(const chain *const *)b;
  uint64_t ax = x->buffer.bytes * lifetime(x), ay = y->buffer.bytes * lifetime(y);
  if (ax != ay)
    return ax < ay ? 1 : -1;
  return by_size(a, b);
}

/* Longer lifetimes first. */
static int by_lifetime(const void *a, const void *b) {
  const chain *x = *(const chain *const *)a, *y = *(const chain *const *)b;
  if (lifetime(x) != lifetime(y))
    return lifetime(x) < lifetime(y) ? 1 : -1;
  return by_size(a, b);
}

/* Earlier births first (the schedule's order), larger first among equal births. */
static int by_birth(const void *a, const void *b) {
  const chain *x = *(const chain *const *)a, *y = *(const chain *const *)b;
  if (x->buffer.first != y->buffer.first)
    return x->buffer.first < y->buffer.first ? -1 : 1;
  return by_size(a, b);
}

static int (*const CHAIN_ORDERS[])(const void *, const void *) = {by_size, by_area, by_lifetime,
                                                                  by_birth};

static int chain_head(const ir_memory_plan *plan, int id) {
  while (plan->in_place_of[id] >= 0)
    id = plan->in_place_of[id];
  return id;
}

/* Places the chains in each order, leaving the offsets of the smallest arena in chains[]. */
static int place_best(chain *chains, int count) {
  chain **order = malloc(((size_t)count + 1) * sizeof(chain *));
  ir_pack_buffer *buffers = malloc(((size_t)count + 1) * sizeof(ir_pack_buffer));
  int status = order && buffers ? 0 : -1;
  uint64_t best = UINT64_MAX;
  for (size_t o = 0; status == 0 && o < sizeof(CHAIN_ORDERS) / sizeof(CHAIN_ORDERS[0]); o++) {
    for (int c = 0; c < count; c++)
      order[c] = &chains[c];
    qsort(order, (size_t)count, sizeof(chain *), CHAIN_ORDERS[o]);
    for (int c = 0; c < count; c++)
      buffers[c] = order[c]->buffer;
    uint64_t end = 0;
    status = ir_pack_place(buffers, count, 0, &end);
    if (status == 0 && end < best) {
      best = end;
      for (int c = 0; c < count; c++)
        order[c]->buffer.offset = buffers[c].offset;
    }
  }
  free(order);
  free(buffers);
  return status;
}

static int pack_chains(ir_memory_plan *plan, dl_diag *diag) {
  size_t capacity = (size_t)plan->num_values + (size_t)plan->steps + 1;
  int *chain_of = malloc(capacity * sizeof(int)); /* by head id: its chain's index */
  chain *chains = calloc(capacity, sizeof(chain));
  int count = 0;
  if (!chain_of || !chains) {
    free(chain_of);
    free(chains);
    return dl_error(diag, "out of memory planning memory");
  }
  for (int i = 0; i < plan->num_values; i++)
    if (plan->roots[i] && plan->in_place_of[i] < 0) {
      chain_of[i] = count;
      chains[count++] = (chain){
          .buffer = {.bytes = plan->bytes[i], .first = plan->first[i], .last = plan->last[i]},
          .head = i};
    }
  for (int i = 0; i < plan->num_values; i++)
    if (plan->roots[i] && plan->in_place_of[i] >= 0) {
      ir_pack_buffer *buffer = &chains[chain_of[chain_head(plan, i)]].buffer;
      if (plan->last[i] > buffer->last)
        buffer->last = plan->last[i];
      if (plan->bytes[i] > buffer->bytes)
        buffer->bytes = plan->bytes[i];
    }
  /* Workspaces (when given) are chains of one step. */
  for (int s = 0; plan->workspace_bytes && s < plan->steps; s++)
    if (plan->workspace_bytes[s] > 0)
      chains[count++] = (chain){
          .buffer = {.bytes = round_up((uint64_t)plan->workspace_bytes[s]), .first = s, .last = s},
          .head = -1 - s};
  int status = place_best(chains, count);
  for (int i = 0; status == 0 && i < plan->num_values; i++)
    if (plan->roots[i])
      plan->offsets[i] = (int64_t)chains[chain_of[chain_head(plan, i)]].buffer.offset;
  for (int c = 0; status == 0 && c < count; c++)
    if (chains[c].head < 0)
      plan->workspace_offsets[-1 - chains[c].head] = (int64_t)chains[c].buffer.offset;
  free(chain_of);
  free(chains);
  return status == 0 ? 0 : dl_error(diag, "out of memory planning memory");
}

static int copy_workspaces(ir_memory_plan *plan, const int64_t *workspace_bytes, dl_diag *diag) {
  free(plan->workspace_bytes);
  free(plan->workspace_offsets);
  plan->workspace_bytes = calloc((size_t)plan->steps + 1, sizeof(int64_t));
  plan->workspace_offsets = calloc((size_t)plan->steps + 1, sizeof(int64_t));
  if (!plan->workspace_bytes || !plan->workspace_offsets)
    return dl_error(diag, "out of memory planning memory");
  for (int s = 0; workspace_bytes && s < plan->steps; s++)
    plan->workspace_bytes[s] = workspace_bytes[s] > 0 ? workspace_bytes[s] : 0;
  return 0;
}

int ir_memory_plan_build(const ir_graph *graph, const int64_t *workspace_bytes,
                         ir_memory_plan *plan, dl_diag *diag) {
  if (plan_alloc(graph, plan, diag) != 0)
    return -1;
  if (compute_lifetimes(graph, plan, diag) != 0 ||
      (workspace_bytes && copy_workspaces(plan, workspace_bytes, diag) != 0))
    goto fail;
  choose_in_place(graph, plan, false);
  if (pack_chains(plan, diag) != 0 || update_bounds(plan, diag) != 0)
    goto fail;
  return 0;
fail:
  ir_memory_plan_deinit(plan);
  return -1;
}

static bool any_has_offset(ir_value *const *values, int count) {
  for (int i = 0; i < count; i++)
    if (values[i] && values[i]->has_arena_offset)
      return true;
  return false;
}

bool ir_graph_has_memory_plan(const ir_graph *graph) {
  if (any_has_offset(graph->body.params, graph->body.num_params) ||
      any_has_offset(graph->constants, graph->num_constants) ||
      any_has_offset(graph->states, graph->num_states))
    return true;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    if (any_has_offset(node->outputs, node->num_outputs) ||
        (node->body && any_has_offset(node->body->params, node->body->num_params)))
      return true;
  return false;
}

static void clear_offsets(ir_value *const *values, int count) {
  for (int i = 0; i < count; i++)
    if (values[i]) {
      ((ir_value *)values[i])->has_arena_offset = false;
      ((ir_value *)values[i])->arena_offset = 0;
    }
}

void ir_graph_clear_memory_plan(ir_graph *graph) {
  clear_offsets(graph->body.params, graph->body.num_params);
  clear_offsets(graph->constants, graph->num_constants);
  clear_offsets(graph->states, graph->num_states);
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    clear_offsets(node->outputs, node->num_outputs);
    if (node->body)
      clear_offsets(node->body->params, node->body->num_params);
  }
}

/* `top_level`: a graph input or an output of a top-level node (values inside a group have no
 * bytes of their own, even views of an outside value). */
static int read_offset(const ir_value *value, bool top_level, const ir_memory_plan *plan,
                       dl_diag *diag) {
  const ir_value *root = ir_buffer_root(value);
  bool wanted = top_level && plan->roots[root->id] != NULL;
  if (value->has_arena_offset && !wanted)
    return dl_error(diag,
                    "value '%s' has an arena offset but no buffer of its own (only graph "
                    "inputs and outputs of top-level nodes live in the arena)",
                    value->name);
  if (!value->has_arena_offset && wanted)
    return dl_error(diag,
                    "value '%s' has no arena offset while other values have one (run "
                    "plan-memory after every pass that adds values)",
                    value->name);
  if (!wanted)
    return 0;
  if (root != value && (!root->has_arena_offset || root->arena_offset != value->arena_offset))
    return dl_error(diag, "view '%s' is at arena offset %llu, its root '%s' is not", value->name,
                    (unsigned long long)value->arena_offset, root->name);
  if (value->arena_offset > (uint64_t)INT64_MAX)
    return dl_error(diag, "value '%s' has an arena offset beyond 2^63", value->name);
  plan->offsets[value->id] = (int64_t)value->arena_offset;
  return 0;
}

int ir_memory_plan_from_graph(const ir_graph *graph, ir_memory_plan *plan, dl_diag *diag) {
  if (plan_alloc(graph, plan, diag) != 0)
    return -1;
  if (compute_lifetimes(graph, plan, diag) != 0)
    goto fail;
  for (int i = 0; i < graph->body.num_params; i++)
    if (read_offset(graph->body.params[i], true, plan, diag) != 0)
      goto fail;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    for (int i = 0; i < node->num_outputs; i++)
      if (read_offset(node->outputs[i], node->parent == &graph->body, plan, diag) != 0)
        goto fail;
    for (int i = 0; node->body && i < node->body->num_params; i++)
      if (read_offset(node->body->params[i], false, plan, diag) != 0)
        goto fail;
  }
  for (int i = 0; i < graph->num_constants; i++)
    if (graph->constants[i]->has_arena_offset) {
      dl_error(diag, "constant '%s' has an arena offset (constants live in the weights)",
               graph->constants[i]->name);
      goto fail;
    }
  for (int i = 0; i < graph->num_states; i++)
    if (graph->states[i]->has_arena_offset) {
      dl_error(diag, "state '%s' has an arena offset (states live in the weights)",
               graph->states[i]->name);
      goto fail;
    }
  choose_in_place(graph, plan, true);
  if (update_bounds(plan, diag) != 0)
    goto fail;
  return 0;
fail:
  ir_memory_plan_deinit(plan);
  return -1;
}

void ir_memory_plan_record(const ir_memory_plan *plan, ir_graph *graph) {
  for (int i = 0; i < graph->body.num_params; i++) {
    ir_value *input = graph->body.params[i];
    input->has_arena_offset = plan->offsets[input->id] >= 0;
    input->arena_offset = input->has_arena_offset ? (uint64_t)plan->offsets[input->id] : 0;
  }
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    for (int i = 0; i < node->num_outputs; i++) {
      ir_value *output = node->outputs[i];
      int64_t offset =
          node->parent == &graph->body ? plan->offsets[ir_buffer_root(output)->id] : -1;
      output->has_arena_offset = offset >= 0;
      output->arena_offset = offset >= 0 ? (uint64_t)offset : 0;
    }
}

int ir_memory_plan_add_workspaces(ir_memory_plan *plan, const int64_t *workspace_bytes,
                                  dl_diag *diag) {
  if (copy_workspaces(plan, NULL, diag) != 0)
    return -1;
  ir_pack_buffer *buffers;
  int count;
  if (collect_buffers(plan, &buffers, &count, diag) != 0)
    return -1;
  int placed = count; /* the arena roots keep their offsets */
  for (int s = 0; workspace_bytes && s < plan->steps; s++)
    if (workspace_bytes[s] > 0)
      buffers[count++] =
          (ir_pack_buffer){.bytes = round_up((uint64_t)workspace_bytes[s]), .first = s, .last = s};
  qsort(buffers + placed, (size_t)(count - placed), sizeof(ir_pack_buffer),
        ir_pack_compare_by_size);
  uint64_t end = 0;
  int status = ir_pack_place(buffers, count, placed, &end);
  for (int i = placed; status == 0 && i < count; i++) {
    plan->workspace_bytes[buffers[i].first] = workspace_bytes[buffers[i].first];
    plan->workspace_offsets[buffers[i].first] = (int64_t)buffers[i].offset;
  }
  free(buffers);
  if (status != 0)
    return dl_error(diag, "out of memory planning memory");
  return update_bounds(plan, diag);
}
