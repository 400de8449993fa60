/* Rewriting helpers shared by passes. */
#include "passes/rewrite.h"

#include <stdlib.h>

#include "ir/state.h"

static void replace_in_results(ir_region *region, ir_value *from, ir_value *to) {
  for (int i = 0; i < region->num_results; i++)
    if (region->results[i] == from)
      region->results[i] = to;
}

void dl_replace_all_uses(ir_graph *graph, ir_value *from, ir_value *to) {
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    for (int i = 0; i < node->num_inputs; i++)
      if (node->inputs[i] == from)
        node->inputs[i] = to;
    if (node->body)
      replace_in_results(node->body, from, to);
  }
  replace_in_results(&graph->body, from, to);
  for (int i = 0; i < graph->num_state_updates; i++)
    if (graph->state_updates[i].value == from)
      graph->state_updates[i].value = to;
}

bool dl_region_yields(const ir_region *region, const ir_value *value) {
  for (int i = 0; i < region->num_results; i++)
    if (region->results[i] == value)
      return true;
  return false;
}

static void count_region_results(const ir_region *region, int *uses, int num_values) {
  for (int i = 0; i < region->num_results; i++)
    if (region->results[i] && region->results[i]->id < num_values)
      uses[region->results[i]->id]++;
}

int *dl_count_uses(const ir_graph *graph) {
  int num_values = graph->num_values;
  int *uses = calloc((size_t)num_values + 1, sizeof(int));
  if (!uses)
    return NULL;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    for (int i = 0; i < node->num_inputs; i++)
      if (node->inputs[i] && node->inputs[i]->id < num_values)
        uses[node->inputs[i]->id]++;
    if (node->body)
      count_region_results(node->body, uses, num_values);
  }
  count_region_results(&graph->body, uses, num_values);
  /* A bound input's constant stays: the compiled model checks runs against it. */
  for (int i = 0; i < graph->num_bound_inputs; i++)
    if (graph->bound_inputs[i].value->id < num_values)
      uses[graph->bound_inputs[i].value->id]++;
  /* A state update's value is read after the run, like a graph output. */
  for (int i = 0; i < graph->num_state_updates; i++)
    if (graph->state_updates[i].value->id < num_values)
      uses[graph->state_updates[i].value->id]++;
  return uses;
}

ir_value *dl_forward_resolve(ir_value **forward, ir_value *value) {
  ir_value *target = value;
  while (target && forward[target->id])
    target = forward[target->id];
  while (value && forward[value->id] && forward[value->id] != target) {
    ir_value *next = forward[value->id];
    forward[value->id] = target;
    value = next;
  }
  return target;
}

void dl_forward_inputs(ir_value **forward, ir_node *node) {
  for (int i = 0; i < node->num_inputs; i++)
    node->inputs[i] = dl_forward_resolve(forward, node->inputs[i]);
}

static void forward_region_results(ir_region *region, ir_value **forward) {
  for (int i = 0; i < region->num_results; i++)
    region->results[i] = dl_forward_resolve(forward, region->results[i]);
}

void dl_forward_results(ir_graph *graph, ir_value **forward) {
  for (ir_node *node = ir_graph_next_node(graph, NULL); node; node = ir_graph_next_node(graph, node))
    if (node->body)
      forward_region_results(node->body, forward);
  forward_region_results(&graph->body, forward);
}

void dl_move_before(ir_node *node, ir_node *before) {
  ir_region_remove(before->parent, node);
  ir_region_insert_before(before->parent, before, node);
}

ir_value *dl_take_output(ir_node *node, int index, ir_value *value) {
  ir_value *previous = node->outputs[index];
  node->outputs[index] = value;
  value->producer = node;
  value->producer_index = index;
  return previous;
}
