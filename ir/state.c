/* Mutable state values and their updates (ir/state.h). */
#include "ir/state.h"

#include "ir/array.h"

ir_value *ir_graph_add_state(ir_graph *graph, const char *name, ir_type type, const void *data) {
  /* A constant's bookkeeping (name, id, data), then made a state. */
  ir_value *value = ir_graph_add_constant(graph, name, type, data);
  return value && ir_value_make_state(graph, value) == 0 ? value : NULL;
}

int ir_value_make_state(ir_graph *graph, ir_value *value) {
  int index = 0;
  while (index < graph->num_constants && graph->constants[index] != value)
    index++;
  if (!value || value->kind != IR_VALUE_CONSTANT || index == graph->num_constants)
    return -1;
  if (IR_ARRAY_APPEND(graph->arena, graph->states, graph->num_states, graph->states_capacity,
                      value))
    return -1;
  for (int i = index + 1; i < graph->num_constants; i++)
    graph->constants[i - 1] = graph->constants[i];
  graph->num_constants--;
  value->kind = IR_VALUE_STATE;
  return 0;
}

static ir_state_update *find_update(const ir_graph *graph, const ir_value *state) {
  for (int i = 0; i < graph->num_state_updates; i++)
    if (graph->state_updates[i].state == state)
      return &graph->state_updates[i];
  return NULL;
}

int ir_graph_set_state_update(ir_graph *graph, ir_value *state, ir_value *value) {
  if (!state || !value || state->kind != IR_VALUE_STATE ||
      !ir_type_equal(&state->type, &value->type))
    return -1;
  ir_state_update *existing = find_update(graph, state);
  if (existing) {
    existing->value = value;
    return 0;
  }
  ir_state_update update = {.state = state, .value = value};
  return IR_ARRAY_APPEND(graph->arena, graph->state_updates, graph->num_state_updates,
                         graph->state_updates_capacity, update)
             ? -1
             : 0;
}

ir_value *ir_graph_state_update(const ir_graph *graph, const ir_value *state) {
  const ir_state_update *update = find_update(graph, state);
  return update ? update->value : NULL;
}

bool ir_value_is_state_update(const ir_graph *graph, const ir_value *value) {
  for (int i = 0; i < graph->num_state_updates; i++)
    if (graph->state_updates[i].value == value)
      return true;
  return false;
}
