/* Inference of ops that broadcast their inputs numpy-style: arithmetic, comparisons,
 * Pow, Where and the variadic Max/Min/Sum. */
#include "ir/infer.h"

#include <string.h>

/* Broadcasts the shapes of inputs [first, num_inputs) into `out` (dtype of `first`). */
static int broadcast_inputs(ir_graph *graph, ir_node *node, int first, ir_type *out,
                            dl_diag *diag) {
  ir_type result = node->inputs[first]->type;
  for (int i = first + 1; i < node->num_inputs; i++) {
    ir_type next;
    if (ir_broadcast_shapes(&result, &node->inputs[i]->type, &next) != 0) {
      char text[160];
      return ir_input_error(graph, diag, node, i,
                            "it cannot be broadcast with %s (the shape of the inputs before it)",
                            ir_format_type(graph, &result, text, sizeof(text)));
    }
    result = next;
  }
  *out = result;
  return 0;
}

static int expect_all_same_dtype(ir_graph *graph, ir_node *node, int first, dl_diag *diag) {
  for (int i = first + 1; i < node->num_inputs; i++)
    if (ir_expect_same_dtype(graph, node, i, first, diag) != 0)
      return -1;
  return 0;
}

/* Add, Sub, Mul, Div, Mod, the Bitwise ops, BitShift (numeric) and And, Or, Xor (bool): same
 * element type in and out. */
int ir_infer_broadcast_binary(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (ir_expect_op_dtype(graph, node, 0, diag) != 0)
    return -1;
  if (node->inputs[0]->type.dtype == IR_DTYPE_BOOL &&
      !ir_op_has_flag(node->op, IR_OP_FLAG_BOOL_ONLY))
    return ir_input_error(graph, diag, node, 0, "%s needs a numeric type", ir_op_name(node->op));
  ir_type result;
  if (expect_all_same_dtype(graph, node, 0, diag) != 0 ||
      broadcast_inputs(graph, node, 0, &result, diag) != 0)
    return -1;
  return ir_set_output_type(node, 0, result, diag);
}

/* Mod: fmod=0 (the divisor's sign) is defined for integers only. */
int ir_infer_mod(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int64_t fmod;
  if (ir_attr_int_default(node, "fmod", &fmod, diag) != 0)
    return -1;
  if (fmod == 0 && ir_dtype_is_float(node->inputs[0]->type.dtype))
    return ir_input_error(graph, diag, node, 0, "Mod on floats needs fmod=1");
  return ir_infer_broadcast_binary(graph, node, diag);
}

/* BitShift: direction LEFT or RIGHT (required). */
int ir_infer_bit_shift(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const char *direction;
  if (ir_attr_string_default(node, "direction", &direction, diag) != 0)
    return -1;
  if (strcmp(direction, "LEFT") != 0 && strcmp(direction, "RIGHT") != 0)
    return ir_node_error(diag, node, "direction '%s' must be LEFT or RIGHT", direction);
  return ir_infer_broadcast_binary(graph, node, diag);
}

/* Max, Min, Sum over any number of inputs. */
int ir_infer_variadic_broadcast(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_infer_broadcast_binary(graph, node, diag);
}

/* Equal, Greater, Less, GreaterOrEqual, LessOrEqual: same element type in, bool out. */
int ir_infer_compare(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (node->op != IR_OP_EQUAL && node->inputs[0]->type.dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "%s needs a numeric type", ir_op_name(node->op));
  ir_type result;
  if (expect_all_same_dtype(graph, node, 0, diag) != 0 ||
      broadcast_inputs(graph, node, 0, &result, diag) != 0)
    return -1;
  result.dtype = IR_DTYPE_BOOL;
  return ir_set_output_type(node, 0, result, diag);
}

/* Pow: the exponent may have another numeric type; the result has the base's. */
int ir_infer_pow(ir_graph *graph, ir_node *node, dl_diag *diag) {
  for (int i = 0; i < 2; i++)
    if (node->inputs[i]->type.dtype == IR_DTYPE_BOOL)
      return ir_input_error(graph, diag, node, i, "Pow needs a numeric type");
  ir_type result;
  if (broadcast_inputs(graph, node, 0, &result, diag) != 0)
    return -1;
  return ir_set_output_type(node, 0, result, diag);
}

/* Where(condition, X, Y): bool condition, X and Y of one type, all three broadcast. */
int ir_infer_where(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (node->inputs[0]->type.dtype != IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "Where's condition must be bool");
  if (ir_expect_same_dtype(graph, node, 2, 1, diag) != 0)
    return -1;
  ir_type result;
  if (broadcast_inputs(graph, node, 0, &result, diag) != 0)
    return -1;
  result.dtype = node->inputs[1]->type.dtype;
  return ir_set_output_type(node, 0, result, diag);
}
