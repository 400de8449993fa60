/* Pass eliminate-identity: removes Identity and inference-mode Dropout, whose first output
 * equals their input, by rewiring uses. Graph outputs keep their names. */
#include <stdint.h>
#include <stdlib.h>

#include "passes/pass.h"
#include "passes/rewrite.h"

/* Dropout is an identity unless training_mode is given and not a constant false, or its
 * mask output is used (`uses`: counted once for the whole pass). */
static bool is_inference_dropout(const ir_node *node, const int *uses) {
  if (node->num_inputs > 2 && node->inputs[2]) {
    const ir_value *training = node->inputs[2];
    if (training->kind != IR_VALUE_CONSTANT || !training->data ||
        *(const uint8_t *)training->data != 0)
      return false;
  }
  return node->num_outputs < 2 || uses[node->outputs[1]->id] == 0;
}

static bool is_identity(const ir_node *node, const int *uses) {
  if (node->num_inputs < 1 || !node->inputs[0] || node->num_outputs < 1)
    return false;
  if (node->op == IR_OP_IDENTITY)
    return true;
  return node->op == IR_OP_DROPOUT && is_inference_dropout(node, uses);
}

/* When the identity's output is yielded (a graph output), its name must survive: the
 * producer of the input takes over the output value instead. Returns false when that is
 * impossible (the input is a graph input, a constant, or itself yielded). */
static bool adopt_yielded_output(ir_graph *graph, ir_node *node) {
  ir_value *input = node->inputs[0], *output = node->outputs[0];
  ir_node *producer = input->producer;
  if (input->kind != IR_VALUE_RESULT || !producer || producer->parent != node->parent ||
      dl_region_yields(node->parent, input))
    return false;
  /* Whole-graph rewrite, but only for yielded identities: one per output at most. */
  dl_replace_all_uses(graph, input, output);
  producer->outputs[input->producer_index] = output;
  output->producer = producer;
  output->producer_index = input->producer_index;
  input->producer = NULL;
  return true;
}

/* What a value stands for once the identities before it are gone (forwarding chains are
 * shortened as they are followed, so the whole pass stays linear). */
static ir_value *resolve(ir_value **forward, ir_value *value) {
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

static void resolve_results(ir_region *region, ir_value **forward) {
  for (int i = 0; i < region->num_results; i++)
    region->results[i] = resolve(forward, region->results[i]);
}

/* One walk: each node's inputs are first redirected past the identities removed before it
 * (through `forward`, indexed by value id), then an identity is removed and its output
 * forwarded to its input. */
int dl_pass_eliminate_identity(ir_graph *graph, dl_diag *diag) {
  int *uses = dl_count_uses(graph);
  ir_value **forward = calloc((size_t)graph->num_values + 1, sizeof(ir_value *));
  if (!uses || !forward) {
    free(uses);
    free(forward);
    return dl_error(diag, "eliminate-identity: out of memory");
  }
  ir_node *node = ir_graph_next_node(graph, NULL);
  while (node) {
    ir_node *next = ir_graph_next_node(graph, node);
    for (int i = 0; i < node->num_inputs; i++)
      node->inputs[i] = resolve(forward, node->inputs[i]);
    if (is_identity(node, uses)) {
      ir_value *input = node->inputs[0], *output = node->outputs[0];
      bool removable = true;
      if (!uses[output->id]) {
        /* unused: nothing to redirect */
      } else if (dl_region_yields(node->parent, output)) {
        removable = adopt_yielded_output(graph, node);
        if (removable)
          forward[input->id] = output;
      } else {
        forward[output->id] = input;
      }
      if (removable)
        ir_region_remove(node->parent, node);
    }
    node = next;
  }
  /* Region results last: a body's identities are visited after its owner. */
  for (node = ir_graph_next_node(graph, NULL); node; node = ir_graph_next_node(graph, node))
    if (node->body)
      resolve_results(node->body, forward);
  resolve_results(&graph->body, forward);
  free(uses);
  free(forward);
  return 0;
}
