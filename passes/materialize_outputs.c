/* Pass materialize-outputs: a graph output whose data is known at compile time (a constant,
 * or a view of one: Shape, Constant, Size, folded shape arithmetic) or that shows a state
 * gets a buffer of its own, written by a dl.copy kernel, so that a compiled model fills every
 * output like any other. So does a state's update value that shows a state (`update %a = %b`,
 * a swap): the end-of-run copies into the states then never read a state another of them
 * already overwrote (ir/state.h). Run at the end of every pipeline by the commands that
 * compile (cli_prepare_model). */
#include "ir/op.h"
#include "ir/state.h"
#include "passes/pass.h"

/* The value whose data `value` shows: itself, or for a view the viewed value's root. */
static const ir_value *view_root(const ir_value *value) {
  while (value->kind == IR_VALUE_RESULT && ir_op_category_of(value->producer->op) == IR_OP_CATEGORY_VIEW)
    value = value->producer->inputs[0];
  return value;
}

/* A state keeps its name and place: a dl.copy of it, at the end of the body, is what the
 * graph outputs and updates that named the state itself hold instead. */
static int copy_state(ir_graph *graph, ir_value *state, dl_diag *diag) {
  const char *name = ir_graph_unique_name(graph, state->name);
  const char *node_name = ir_arena_printf(graph->arena, "copy_%s", state->name);
  ir_node *copy = name && node_name ? ir_graph_add_node(graph, NULL, IR_OP_COPY, node_name, &state,
                                                        1, &name, 1)
                                    : NULL;
  if (!copy)
    return dl_error(diag, "out of memory materializing state '%s'", state->name);
  copy->outputs[0]->type = state->type;
  for (int i = 0; i < graph->body.num_results; i++)
    if (graph->body.results[i] == state)
      graph->body.results[i] = copy->outputs[0];
  for (int i = 0; i < graph->num_state_updates; i++)
    if (graph->state_updates[i].value == state)
      graph->state_updates[i].value = copy->outputs[0];
  return 0;
}

/* Puts a dl.copy in front of graph output `value`: a fresh value takes the place of what
 * `value` was (its producer's output, or the constant), every node reads that one, and
 * `value`, keeping its name, becomes the copy's output. */
static int insert_copy(ir_graph *graph, ir_value *value, dl_diag *diag) {
  if (value->kind == IR_VALUE_STATE)
    return copy_state(graph, value, diag);
  const char *name = ir_arena_printf(graph->arena, "%s.data", value->name);
  const char *node_name = ir_arena_printf(graph->arena, "copy_%s", value->name);
  ir_node *copy = name && node_name ? ir_graph_add_node(graph, NULL, IR_OP_COPY, node_name, &value,
                                                        1, &name, 1)
                                    : NULL;
  if (!copy)
    return dl_error(diag, "out of memory materializing output '%s'", value->name);
  ir_value *data = copy->outputs[0];
  data->type = value->type;
  data->kind = value->kind;
  data->data = value->data;
  data->producer = value->producer;
  data->producer_index = value->producer_index;
  if (data->producer)
    data->producer->outputs[data->producer_index] = data;
  for (int i = 0; i < graph->num_constants; i++)
    if (graph->constants[i] == value)
      graph->constants[i] = data;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    for (int i = 0; i < node->num_inputs; i++)
      if (node->inputs[i] == value)
        node->inputs[i] = data;
  value->kind = IR_VALUE_RESULT;
  value->data = NULL;
  value->producer = copy;
  value->producer_index = 0;
  copy->outputs[0] = value;
  return 0;
}

int dl_pass_materialize_outputs(ir_graph *graph, dl_diag *diag) {
  for (int i = 0; i < graph->body.num_results; i++) {
    ir_value *output = graph->body.results[i];
    ir_value_kind root = view_root(output)->kind;
    if ((root == IR_VALUE_CONSTANT || root == IR_VALUE_STATE) &&
        insert_copy(graph, output, diag) != 0)
      return -1;
  }
  for (int i = 0; i < graph->num_state_updates; i++) {
    ir_value *value = graph->state_updates[i].value;
    if (view_root(value)->kind == IR_VALUE_STATE && insert_copy(graph, value, diag) != 0)
      return -1;
  }
  return 0;
}
