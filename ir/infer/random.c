/* Inference of RandomUniformLike: the input's shape, of the `dtype` attribute's float type
 * (default: the input's, which must then be a float type). The optional second input, the
 * counter mixed into the seed at run time, is an int64 scalar. */
#include "ir/infer.h"

int ir_infer_random_uniform_like(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_type type = node->inputs[0]->type;
  ir_dtype dtype;
  float low, high;
  if (ir_attr_dtype(node, "dtype", type.dtype, &dtype, diag) != 0 ||
      ir_attr_float_default(node, "low", &low, diag) != 0 ||
      ir_attr_float_default(node, "high", &high, diag) != 0)
    return -1;
  if (!ir_dtype_is_float(dtype))
    return ir_node_error(diag, node, "draws floats only, not %s", ir_dtype_name(dtype));
  const ir_attr *seed = ir_node_attr(node, "seed");
  if (seed && seed->kind != IR_ATTR_FLOAT)
    return ir_node_error(diag, node, "attribute 'seed' must be a float");
  const ir_value *counter = ir_node_input(node, 1);
  if (counter && (counter->type.dtype != IR_DTYPE_I64 || counter->type.rank != 0))
    return ir_input_error(graph, diag, node, 1, "the counter must be an int64 scalar");
  type.dtype = dtype;
  return ir_set_output_type(node, 0, type, diag);
}
