/* Inference of Cast and BitCast: same shape, element type from the `to` attribute. */
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

/* BitCast(x, to): x's bits read as `to`, which must have the same size (the bytes are kept:
 * a view). Types of other sizes would reshape the last axis; dlcc refuses them. */
int ir_infer_bit_cast(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (!ir_node_attr(node, "to"))
    return ir_node_error(diag, node, "attribute 'to' (the target element type) is required");
  ir_dtype target;
  if (ir_attr_dtype(node, "to", IR_DTYPE_INVALID, &target, diag) != 0)
    return -1;
  ir_type result = node->inputs[0]->type;
  if (ir_dtype_bits(target) != ir_dtype_bits(result.dtype) || ir_dtype_is_packed(target))
    return ir_input_error(graph, diag, node, 0,
                          "unsupported: BitCast to %s, of another size or packed (only "
                          "same-size types of whole bytes are reinterpreted)",
                          ir_dtype_name(target));
  result.dtype = target;
  return ir_set_output_type(node, 0, result, diag);
}
