/* Inference of BatchNormalization (inference form), LayerNormalization, Softmax and
 * LogSoftmax. */
#include "ir/infer.h"

/* BatchNormalization(X, scale, B, mean, var): each parameter has shape [C]. */
int ir_infer_batch_normalization(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  if (ir_expect_rank(graph, node, 0, 2, IR_MAX_RANK, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0)
    return -1;
  int64_t training;
  float epsilon, momentum;
  if (ir_attr_int_default(node, "training_mode", &training, diag) != 0 ||
      ir_attr_float_default(node, "epsilon", &epsilon, diag) != 0 ||
      ir_attr_float_default(node, "momentum", &momentum, diag) != 0)
    return -1;
  if (training != 0)
    return ir_node_error(diag, node,
                         "training_mode=1 is not supported; export the model in "
                         "inference mode");
  for (int i = 1; i < 5; i++) {
    const ir_type *parameter = &node->inputs[i]->type;
    if (!ir_dtype_is_float(parameter->dtype))
      return ir_input_error(graph, diag, node, i, "BatchNormalization needs a float type");
    if (parameter->rank != 1 || parameter->dims[0] != x->dims[1]) {
      char text[160];
      return ir_input_error(graph, diag, node, i,
                            "BatchNormalization needs one value per "
                            "channel of %s",
                            ir_format_type(graph, x, text, sizeof(text)));
    }
  }
  return ir_set_output_type(node, 0, *x, diag);
}

/* LayerNormalization(X, Scale, B?) normalizes over axes [axis, rank); the optional Mean
 * and InvStdDev outputs keep those axes as 1 and have the stash_type element type.
 * RMSNormalization(X, Scale) has the same inputs and attributes and only the first output. */
int ir_infer_layer_normalization(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0)
    return -1;
  int64_t axis_attr, stash_type;
  float epsilon;
  int axis;
  if (ir_attr_int_default(node, "axis", &axis_attr, diag) != 0 ||
      ir_attr_int_default(node, "stash_type", &stash_type, diag) != 0 ||
      ir_attr_float_default(node, "epsilon", &epsilon, diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
    return ir_input_error(graph, diag, node, 0, "attribute 'axis' %lld is out of range",
                          (long long)axis_attr);
  ir_dtype stash = ir_dtype_from_onnx((int)stash_type);
  if (stash_type != (int)stash_type || !ir_dtype_is_float(stash))
    return ir_node_error(diag, node, "attribute 'stash_type' %lld is not a float type code",
                         (long long)stash_type);
  if (ir_expect_static_dims(graph, node, 0, axis, ir_op_name(node->op), diag) != 0)
    return -1;
  ir_type normalized = {.dtype = x->dtype, .rank = x->rank - axis};
  for (int i = axis; i < x->rank; i++)
    normalized.dims[i - axis] = x->dims[i];
  for (int i = 1; i < node->num_inputs; i++) {
    ir_value *parameter = node->inputs[i];
    ir_type broadcast;
    if (!parameter)
      continue;
    if (ir_expect_same_dtype(graph, node, i, 0, diag) != 0)
      return -1;
    if (parameter->type.rank > normalized.rank ||
        ir_broadcast_shapes(&normalized, &parameter->type, &broadcast) != 0 ||
        !ir_type_equal(&broadcast, &normalized)) {
      char text[160];
      return ir_input_error(graph, diag, node, i, "%s needs it to broadcast to %s",
                            ir_op_name(node->op),
                            ir_format_type(graph, &normalized, text, sizeof(text)));
    }
  }
  if (ir_set_output_type(node, 0, *x, diag) != 0)
    return -1;
  ir_type statistics = *x;
  statistics.dtype = stash;
  for (int i = axis; i < x->rank; i++)
    statistics.dims[i] = 1;
  for (int i = 1; i < node->num_outputs; i++)
    if (ir_set_output_type(node, i, statistics, diag) != 0)
      return -1;
  return 0;
}

/* Softmax and LogSoftmax over one axis (opset 13+): same type; the axis must be static to be
 * reduced by a fixed-size kernel, other dims may be symbolic. */
int ir_infer_softmax(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0)
    return -1;
  int64_t axis_attr;
  int axis;
  if (ir_attr_int_default(node, "axis", &axis_attr, diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
    return ir_input_error(graph, diag, node, 0, "attribute 'axis' %lld is out of range",
                          (long long)axis_attr);
  if (!ir_dim_is_static(x->dims[axis]))
    return ir_input_error(graph, diag, node, 0, "%s needs axis %d static", ir_op_name(node->op),
                          axis);
  return ir_set_output_type(node, 0, *x, diag);
}
