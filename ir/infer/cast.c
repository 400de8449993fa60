/* Inference of Cast: same shape, element type from the `to` attribute. */
#include "ir/infer.h"

int ir_infer_cast(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (!ir_node_attr(node, "to"))
    return ir_node_error(diag, node, "attribute 'to' (the target element type) is required");
  ir_dtype target;
  if (ir_attr_dtype(node, "to", IR_DTYPE_INVALID, &target, diag) != 0)
    return -1;
  const char *round = NULL;
  ir_round_mode mode;
  if (ir_attr_string_default(node, "round_mode", &round, diag) != 0)
    return -1;
  if (!ir_round_mode_from_name(round, &mode))
    return ir_node_error(diag, node, "round_mode '%s' is not one of up, down, nearest", round);
  ir_type result = node->inputs[0]->type;
  result.dtype = target;
  return ir_set_output_type(node, 0, result, diag);
}
