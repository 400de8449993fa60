/* Constant folding driver: decides whether a node can fold, computes its outputs
 * (fold_ops.c) and turns them into constants in place. */
#include "ir/fold.h"

#include "ir/fold_ops.h"

/* Every input is a constant with data; Shape needs only a static input type. */
static bool inputs_known(const ir_node *node) {
  for (int i = 0; i < node->num_inputs; i++) {
    const ir_value *input = node->inputs[i];
    if (!input)
      continue;
    if (node->op == IR_OP_SHAPE && i == 0) {
      if (input->type.dtype == IR_DTYPE_INVALID || !ir_type_is_static(&input->type))
        return false;
      continue;
    }
    if (input->kind != IR_VALUE_CONSTANT || !input->data)
      return false;
  }
  return true;
}

static bool outputs_typed(const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++)
    if (node->outputs[i]->type.dtype == IR_DTYPE_INVALID)
      return false;
  return true;
}

static bool outputs_small(const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++) {
    int64_t count;
    if (!ir_type_element_count(&node->outputs[i]->type, &count) || count > IR_FOLD_MAX_ELEMENTS)
      return false;
  }
  return true;
}

int ir_fold_node(ir_graph *graph, ir_node *node, bool *out_folded, dl_diag *diag) {
  *out_folded = false;
  if (!ir_fold_supports(node->op) || node->body || !node->parent || !inputs_known(node))
    return 0;
  if (!outputs_typed(node) && ir_infer_node(graph, node, diag) != 0)
    return -1;
  if (!outputs_small(node))
    return 0;
  /* Compute every output before changing anything, so a refusal leaves the graph as is. */
  void *data[4];
  if (node->num_outputs > 4)
    return 0;
  for (int i = 0; i < node->num_outputs; i++) {
    int64_t bytes;
    if (!ir_type_byte_size(&node->outputs[i]->type, &bytes))
      return 0;
    data[i] = ir_arena_alloc(graph->arena, (size_t)bytes);
    if (!data[i])
      return ir_node_error(diag, node, "out of memory while folding");
    int status = ir_fold_compute(graph, node, i, data[i], diag);
    if (status <= 0)
      return status;
  }
  for (int i = 0; i < node->num_outputs; i++)
    if (ir_value_make_constant(graph, node->outputs[i], data[i]) != 0)
      return ir_node_error(diag, node, "out of memory while folding");
  ir_region_remove(node->parent, node);
  *out_folded = true;
  return 0;
}

int ir_fold_graph(ir_graph *graph, dl_diag *diag) {
  int failures = 0;
  for (ir_node *node = graph->body.first, *next; node; node = next) {
    next = node->next; /* folding unlinks the node */
    bool folded;
    if (ir_fold_node(graph, node, &folded, diag) != 0)
      failures++;
  }
  return failures ? -1 : 0;
}
