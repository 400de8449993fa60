/* Buffer planning for codegen: constants a kernel reads go to the weights blob; activations
 * take the offsets plan-memory recorded in the IR (ir/memory_plan.h), or — for a graph that
 * never ran the pass (a hand-written dump, a unit test) — the same planner's; each node's
 * workspace goes beside the buffers live at its node (or, when none fits, everything is
 * planned again with the workspaces). The whole plan is verified every time: a wrong offset
 * here would be a silent data race on the device. */
#include "codegen/program/buffer_plan.h"

#include <stdlib.h>
#include <string.h>

#include "codegen/ops/op_lowering.h"
#include "codegen/program/state_copies.h"
#include "ir/memory_plan.h"
#include "ir/state.h"

const ir_value *dl_buffer_root(const ir_value *value) { return ir_buffer_root(value); }

static uint64_t round_up(uint64_t bytes) {
  return (bytes + DL_BUFFER_ALIGN - 1) & ~(uint64_t)(DL_BUFFER_ALIGN - 1);
}

/* Constants read by a kernel (a top-level node, or a node inside a group, or the end-of-run
 * copy of a state update) are weights; a top-level view of a constant reads nothing (its
 * readers do). */
static void mark_weights(dl_buffer_plan *plan, const ir_node *top, const ir_node *reader) {
  for (int i = 0; i < reader->num_inputs; i++) {
    const ir_value *root = ir_buffer_root(reader->inputs[i]);
    if (root && root->kind == IR_VALUE_CONSTANT && (!lower_is_view(reader->op) || reader != top))
      plan->values[root->id].kind = DL_LOCATION_WEIGHT;
  }
}

static int place_weights(const ir_graph *graph, const lower_result *results, dl_buffer_plan *plan,
                         dl_diag *diag) {
  for (ir_node *node = graph->body.first; node; node = node->next) {
    mark_weights(plan, node, node);
    for (const ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
      mark_weights(plan, node, inner);
  }
  for (int i = 0; i < graph->num_state_updates; i++) {
    const ir_value *root = ir_buffer_root(graph->state_updates[i].value);
    if (root->kind == IR_VALUE_CONSTANT)
      plan->values[root->id].kind = DL_LOCATION_WEIGHT;
  }
  if (results && dl_packed_weights_collect(graph, results, plan, diag) != 0)
    return -1;
  for (int i = 0; i < graph->num_constants; i++) {
    const ir_value *constant = graph->constants[i];
    if (plan->values[constant->id].kind != DL_LOCATION_WEIGHT)
      continue;
    int64_t bytes = 0;
    if (!ir_type_byte_size(&constant->type, &bytes))
      return dl_error(diag, "constant '%s' has no static byte size", constant->name);
    if (!constant->data)
      return dl_error(diag, "constant '%s' was elided from the dump; the graph cannot be compiled",
                      constant->name);
    plan->values[constant->id].offset = plan->weight_bytes;
    /* An empty constant still gets a slot, so that its offset lies inside the weights. */
    plan->weight_bytes += round_up(bytes ? (uint64_t)bytes : 1);
  }
  /* Every state, read or not, after the constants: it must persist from run to run. */
  for (int i = 0; i < graph->num_states; i++) {
    const ir_value *state = graph->states[i];
    int64_t bytes = 0;
    if (!ir_type_byte_size(&state->type, &bytes))
      return dl_error(diag, "state '%s' has no static byte size", state->name);
    if (!state->data)
      return dl_error(diag, "state '%s' has no initial value (elided from the dump); the graph "
                      "cannot be compiled", state->name);
    plan->values[state->id] = (dl_location){.kind = DL_LOCATION_WEIGHT, .offset = plan->weight_bytes};
    plan->weight_bytes += round_up(bytes ? (uint64_t)bytes : 1);
  }
  for (int i = 0; i < plan->num_packed; i++) {
    int64_t bytes = 0;
    ir_type_byte_size(&plan->packed[i].constant->type, &bytes); /* checked when collected */
    plan->packed[i].offset = plan->weight_bytes;
    plan->weight_bytes += round_up((uint64_t)bytes);
  }
  return 0;
}

/* The activations' plan: the IR's when it has one (else planned here), with the workspaces
 * beside it. Workspaces are known only after lowering; when one finds no gap and the arena
 * grows past the live-set lower bound, values and workspaces are planned again together and
 * that plan is used if smaller (plan->source says which). */
static int plan_arena(const ir_graph *graph, const int64_t *workspace_bytes, dl_buffer_plan *plan,
                      dl_diag *diag) {
  ir_memory_plan memory, joint = {0};
  bool recorded = ir_graph_has_memory_plan(graph);
  int status = recorded ? ir_memory_plan_from_graph(graph, &memory, diag)
                        : ir_memory_plan_build(graph, NULL, &memory, diag);
  if (status != 0)
    return -1;
  plan->source = recorded ? DL_PLAN_FROM_IR : DL_PLAN_IN_CODEGEN;
  status = ir_memory_plan_add_workspaces(&memory, workspace_bytes, diag);
  if (status == 0 && memory.arena_bytes > memory.live_lower_bound) {
    bool any = false;
    for (int s = 0; workspace_bytes && s < memory.steps; s++)
      any |= workspace_bytes[s] > 0;
    if (any && (status = ir_memory_plan_build(graph, workspace_bytes, &joint, diag)) == 0 &&
        joint.arena_bytes < memory.arena_bytes) {
      ir_memory_plan swap = memory;
      memory = joint;
      joint = swap;
      plan->source = DL_PLAN_WITH_WORKSPACES;
    }
  }
  if (status == 0)
    status = ir_memory_plan_verify(graph, &memory, diag);
  if (status == 0) {
    for (int i = 0; i < graph->num_values; i++)
      if (memory.offsets[i] >= 0)
        plan->values[i] =
            (dl_location){.kind = DL_LOCATION_ARENA, .offset = (uint64_t)memory.offsets[i]};
    for (int s = 0; s < memory.steps; s++)
      plan->workspace_offsets[s] = (uint64_t)memory.workspace_offsets[s];
    plan->arena_bytes = memory.arena_bytes;
    plan->live_lower_bound = memory.live_lower_bound;
    plan->in_place_count = memory.in_place_count;
  }
  ir_memory_plan_deinit(&memory);
  ir_memory_plan_deinit(&joint);
  return status;
}

int dl_buffer_plan_build(const ir_graph *graph, const int64_t *workspace_bytes,
                         const lower_result *results, const dl_state_copies *updates,
                         dl_buffer_plan *plan, dl_diag *diag) {
  memset(plan, 0, sizeof(*plan));
  int node_count = 0;
  for (ir_node *node = graph->body.first; node; node = node->next)
    node_count++;
  plan->num_values = graph->num_values;
  plan->values = calloc((size_t)graph->num_values + 1, sizeof(dl_location));
  plan->workspace_offsets = calloc((size_t)node_count + 1, sizeof(uint64_t));
  if (!plan->values || !plan->workspace_offsets) {
    dl_buffer_plan_deinit(plan);
    return dl_error(diag, "out of memory planning buffers");
  }
  for (int i = 0; i < graph->body.num_results; i++) {
    ir_value_kind root = ir_buffer_root(graph->body.results[i])->kind;
    if (root == IR_VALUE_CONSTANT || root == IR_VALUE_STATE) {
      dl_buffer_plan_deinit(plan);
      return dl_error(diag, "graph output '%s' is a %s; run materialize-outputs to give it a "
                      "buffer of its own", graph->body.results[i]->name,
                      root == IR_VALUE_STATE ? "state" : "constant");
    }
  }
  if (place_weights(graph, results, plan, diag) != 0 ||
      plan_arena(graph, workspace_bytes, plan, diag) != 0) {
    dl_buffer_plan_deinit(plan);
    return -1;
  }
  /* A state update written in place lives in the state's bytes (no end-of-run copy). */
  for (int i = 0; updates && i < graph->num_state_updates; i++)
    if (updates->in_place[i]) {
      plan->values[graph->state_updates[i].value->id] =
          plan->values[graph->state_updates[i].state->id];
      plan->in_place_state_updates++;
    }
  /* Views share their root's location; a view of a constant is a weight. */
  for (ir_node *node = graph->body.first; node; node = node->next)
    if (lower_is_view(node->op)) {
      plan->num_views++;
      for (int i = 0; i < node->num_outputs; i++)
        plan->values[node->outputs[i]->id] = plan->values[ir_buffer_root(node->outputs[i])->id];
    }
  return 0;
}

void dl_buffer_plan_deinit(dl_buffer_plan *plan) {
  free(plan->values);
  free(plan->workspace_offsets);
  free(plan->packed);
  memset(plan, 0, sizeof(*plan));
}
