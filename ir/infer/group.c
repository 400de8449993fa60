/* Inference of dl.group: a fused region whose params take the group's inputs and whose
 * results become its outputs. The body is inferred here so a group is self-contained. */
#include "ir/infer.h"

/* Whether an input is a node output left without a type (by an earlier failure). */
static bool input_left_untyped(const ir_node *node) {
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i] && node->inputs[i]->producer &&
        node->inputs[i]->type.dtype == IR_DTYPE_INVALID)
      return true;
  return false;
}

int ir_infer_group(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_region *body = node->body;
  if (!body)
    return ir_node_error(diag, node, "dl.group has no body");
  if (body->num_params != node->num_inputs)
    return ir_node_error(diag, node, "body has %d params but the group has %d inputs",
                         body->num_params, node->num_inputs);
  for (int i = 0; i < body->num_params; i++) {
    const ir_type *param = &body->params[i]->type, *input = &node->inputs[i]->type;
    if (!ir_type_equal(param, input)) {
      char text[160];
      return ir_input_error(graph, diag, node, i, "body param %d '%s' has type %s", i,
                            body->params[i]->name,
                            ir_format_type(graph, param, text, sizeof(text)));
    }
  }
  int failures = 0;
  for (ir_node *inner = body->first; inner; inner = inner->next) {
    if (failures && input_left_untyped(inner))
      continue; /* follows from a failure already reported */
    if (ir_infer_node(graph, inner, diag) != 0)
      failures++;
  }
  if (failures)
    return ir_node_error(diag, node, "inference of its body failed");
  if (body->num_results != node->num_outputs)
    return ir_node_error(diag, node, "body has %d results but the group has %d outputs",
                         body->num_results, node->num_outputs);
  for (int i = 0; i < body->num_results; i++)
    if (ir_set_output_type(node, i, body->results[i]->type, diag) != 0)
      return -1;
  return 0;
}
