/* Nodes whose first output is their first input, element for element (see infer.h). */
#include "ir/infer.h"

/* Transpose with the identity permutation (no perm reverses the axes: the identity only up
 * to rank 1). */
static bool identity_permutation(const ir_node *node) {
  const ir_attr *perm = ir_node_attr(node, "perm");
  if (!perm)
    return node->inputs[0]->type.rank <= 1;
  if (perm->kind != IR_ATTR_INTS)
    return false;
  for (int i = 0; i < perm->count; i++)
    if (perm->as.ints[i] != i)
      return false;
  return true;
}

bool ir_node_is_noop(const ir_node *node) {
  if (node->num_inputs < 1 || !node->inputs[0] || node->num_outputs != 1 ||
      !ir_type_equal(&node->inputs[0]->type, &node->outputs[0]->type))
    return false;
  if (node->op == IR_OP_TRANSPOSE)
    return identity_permutation(node);
  if (node->op == IR_OP_DROPOUT) /* its mask and training mode decide (eliminate-identity) */
    return false;
  /* Views that place each element once (Identity, Reshape, Flatten, Squeeze, Unsqueeze:
   * row-major data, so the same type is the same tensor), and Cast, BitCast, Expand and Tile
   * to their input's own type. A same-shaped Slice may reverse, a Pad may shift. */
  return ir_op_has_flag(node->op, IR_OP_FLAG_BIJECTIVE) || node->op == IR_OP_CAST ||
         node->op == IR_OP_BIT_CAST || node->op == IR_OP_EXPAND || node->op == IR_OP_TILE;
}
