/* Inference of one-input elementwise ops (output type = input type, or bool for IsInf and
 * IsNaN), Clip and Dropout. */
#include "ir/infer.h"

#include <stdint.h>
#include <string.h>

int ir_infer_unary(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *input = &node->inputs[0]->type;
  if (ir_expect_op_dtype(graph, node, 0, diag) != 0)
    return -1;
  if ((node->op == IR_OP_NEG || node->op == IR_OP_ABS || node->op == IR_OP_RELU ||
       node->op == IR_OP_SIGN || node->op == IR_OP_SHRINK) &&
      input->dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "%s needs a numeric type", ir_op_name(node->op));
  return ir_set_output_type(node, 0, *input, diag);
}

/* Gelu: approximate "none" or "tanh". */
int ir_infer_gelu(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const char *approximate;
  if (ir_attr_string_default(node, "approximate", &approximate, diag) != 0)
    return -1;
  if (strcmp(approximate, "none") != 0 && strcmp(approximate, "tanh") != 0)
    return ir_node_error(diag, node, "approximate '%s' must be none or tanh", approximate);
  return ir_infer_unary(graph, node, diag);
}

/* IsInf, IsNaN: a float in, a bool of its shape out. */
int ir_infer_float_class(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (ir_expect_float(graph, node, 0, diag) != 0)
    return -1;
  ir_type result = node->inputs[0]->type;
  result.dtype = IR_DTYPE_BOOL;
  return ir_set_output_type(node, 0, result, diag);
}

/* Clip's optional min and max inputs are scalars of the input's element type. */
int ir_infer_clip(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *input = &node->inputs[0]->type;
  if (input->dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "Clip needs a numeric type");
  for (int i = 1; i < node->num_inputs; i++) {
    ir_value *bound = node->inputs[i];
    if (!bound)
      continue;
    if (ir_expect_same_dtype(graph, node, i, 0, diag) != 0)
      return -1;
    bool one_element = bound->type.rank == 0 || (bound->type.rank == 1 && bound->type.dims[0] == 1);
    if (!one_element)
      return ir_input_error(graph, diag, node, i, "Clip's %s must be a scalar",
                            i == 1 ? "min" : "max");
  }
  return ir_set_output_type(node, 0, *input, diag);
}

/* Dropout (inference): output = input; optional mask output is bool of the same shape. */
/* Whether `value` is a constant whose first element is zero (false, 0.0). */
static bool constant_zero(const ir_value *value) {
  return value && value->kind == IR_VALUE_CONSTANT && value->data &&
         ir_element_get_float(value->type.dtype, value->data, 0) == 0.0;
}

bool ir_dropout_keeps_everything(const ir_node *node) {
  const ir_value *training = ir_node_input(node, 2);
  return !training || constant_zero(training) || constant_zero(ir_node_input(node, 1));
}

bool ir_dropout_is_identity(const ir_graph *graph, const ir_node *node) {
  return ir_dropout_keeps_everything(node) &&
         (node->num_outputs < 2 || ir_value_use_count(graph, node->outputs[1]) == 0);
}

int ir_infer_dropout(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *input = &node->inputs[0]->type;
  if (ir_expect_float(graph, node, 0, diag) != 0)
    return -1;
  ir_value *ratio = ir_node_input(node, 1);
  if (ratio && (ratio->type.rank != 0 || !ir_dtype_is_float(ratio->type.dtype)))
    return ir_input_error(graph, diag, node, 1, "Dropout's ratio must be a float scalar");
  ir_value *training = ir_node_input(node, 2);
  if (training && (training->type.rank != 0 || training->type.dtype != IR_DTYPE_BOOL))
    return ir_input_error(graph, diag, node, 2, "Dropout's training_mode must be a bool scalar");
  if (ir_set_output_type(node, 0, *input, diag) != 0)
    return -1;
  if (node->num_outputs > 1) {
    ir_type mask = *input;
    mask.dtype = IR_DTYPE_BOOL;
    return ir_set_output_type(node, 1, mask, diag);
  }
  return 0;
}
