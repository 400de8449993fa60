/* Pass eliminate-identity: removes Identity and inference-mode Dropout, whose first output
 * equals their input, by rewiring uses. Graph outputs keep their names. */
#include <stdint.h>

#include "passes/pass.h"
#include "passes/rewrite.h"

/* Dropout is an identity unless training_mode is given and not a constant false, or its
 * mask output is used. */
static bool is_inference_dropout(const ir_graph *graph, const ir_node *node) {
  if (node->num_inputs > 2 && node->inputs[2]) {
    const ir_value *training = node->inputs[2];
    if (training->kind != IR_VALUE_CONSTANT || !training->data ||
        *(const uint8_t *)training->data != 0)
      return false;
  }
  return node->num_outputs < 2 || ir_value_use_count(graph, node->outputs[1]) == 0;
}

static bool is_identity(const ir_graph *graph, const ir_node *node) {
  if (node->num_inputs < 1 || !node->inputs[0] || node->num_outputs < 1)
    return false;
  if (node->op == IR_OP_IDENTITY)
    return true;
  return node->op == IR_OP_DROPOUT && is_inference_dropout(graph, node);
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
  dl_replace_all_uses(graph, input, output);
  producer->outputs[input->producer_index] = output;
  output->producer = producer;
  output->producer_index = input->producer_index;
  input->producer = NULL;
  return true;
}

int dl_pass_eliminate_identity(ir_graph *graph, dl_diag *diag) {
  (void)diag;
  ir_node *node = ir_graph_next_node(graph, NULL);
  while (node) {
    ir_node *next = ir_graph_next_node(graph, node);
    if (is_identity(graph, node)) {
      ir_value *input = node->inputs[0], *output = node->outputs[0];
      bool removable = true;
      if (dl_region_yields(node->parent, output))
        removable = adopt_yielded_output(graph, node);
      else
        dl_replace_all_uses(graph, output, input);
      if (removable)
        ir_region_remove(node->parent, node);
    }
    node = next;
  }
  return 0;
}
