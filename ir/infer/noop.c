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
  switch (node->op) {
  case IR_OP_IDENTITY:
  case IR_OP_CAST:      /* to its own type */
  case IR_OP_RESHAPE:   /* row-major data: the same shape is the same tensor */
  case IR_OP_FLATTEN:
  case IR_OP_SQUEEZE:
  case IR_OP_UNSQUEEZE:
  case IR_OP_BIT_CAST:
  case IR_OP_EXPAND:    /* to its own shape */
  case IR_OP_TILE:      /* the same shape: every repeat is 1 */
    return true;
  case IR_OP_TRANSPOSE:
    return identity_permutation(node);
  default: /* a same-shaped Slice may reverse, a Pad may shift */
    return false;
  }
}
