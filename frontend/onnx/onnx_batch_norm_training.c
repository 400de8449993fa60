/* BatchNormalization in training mode (opset 14+, training_mode=1), expanded at import: the
 * batch's own mean and population variance over every axis but the channel normalize it (the
 * inference op with those statistics), and the running statistics outputs blend the inputs'
 * with the batch's: running = input * momentum + current * (1 - momentum), as ONNX defines. */
#include "onnx_internal.h"

#include <string.h>

bool onnx_is_batch_norm_training(const Onnx__NodeProto *proto) {
  const Onnx__AttributeProto *mode = onnx_find_attr(proto, "training_mode");
  return strcmp(onnx_text(proto->op_type), "BatchNormalization") == 0 && mode && mode->i != 0;
}

int onnx_import_batch_norm_training(onnx_import *import, const Onnx__NodeProto *proto,
                                    int index) {
  const char *node = onnx_node_display_name(import, proto, index);
  ir_arena *arena = import->graph->arena;
  ir_value *in[5] = {0};
  for (size_t i = 0; i < 5; i++)
    if (i >= proto->n_input || !(in[i] = onnx_lookup_value(import, onnx_text(proto->input[i]))))
      return onnx_node_error(import, proto, index, "needs its five inputs");
  const ir_type *x = &in[0]->type;
  if (x->rank < 2 || !ir_dtype_is_float(x->dtype))
    return onnx_node_error(import, proto, index, "needs a float input of rank 2 or more");
  const Onnx__AttributeProto *eps_attr = onnx_find_attr(proto, "epsilon");
  const Onnx__AttributeProto *momentum_attr = onnx_find_attr(proto, "momentum");
  double epsilon = eps_attr ? eps_attr->f : 1e-5, momentum = momentum_attr ? momentum_attr->f : 0.9;
  int64_t axes[IR_MAX_RANK], count = 0, channels = x->dims[1];
  for (int d = 0; d < x->rank; d++)
    if (d != 1)
      axes[count++] = d;
  const char *base = ir_arena_printf(arena, "%s/batch", node);
  ir_value *mean4 = onnx_build_reduce_mean(import, base, in[0], axes, (int)count);
  ir_value *centered = onnx_build(import, IR_OP_SUB, base, in[0], mean4, NULL);
  ir_value *squares = onnx_build(import, IR_OP_MUL, base, centered, centered, NULL);
  ir_value *var4 = onnx_build_reduce_mean(import, base, squares, axes, (int)count);
  ir_value *batch_mean = onnx_build_reshape(import, base, mean4, &channels, 1, NULL);
  ir_value *batch_var = onnx_build_reshape(import, base, var4, &channels, 1, NULL);
  if (!batch_mean || !batch_var)
    return -1;
  /* Y: the inference op with the batch's statistics. */
  const char *y_name = onnx_text(proto->output[0]);
  ir_value *bn_inputs[5] = {in[0], in[1], in[2], batch_mean, batch_var};
  ir_node *bn = ir_graph_add_node(import->graph, NULL, IR_OP_BATCH_NORMALIZATION, node, bn_inputs,
                                  5, &y_name, 1);
  if (!bn || ir_node_set_float(import->graph, bn, "epsilon", (float)epsilon) != 0 ||
      onnx_finish_node(import, bn) != 0)
    return -1;
  /* The running statistics. */
  ir_value *kept = onnx_float_scalar_constant(import, base, x->dtype, momentum);
  ir_value *taken = onnx_float_scalar_constant(import, base, x->dtype, 1.0 - momentum);
  for (size_t k = 1; k < 3 && k < proto->n_output; k++) {
    const char *output = onnx_text(proto->output[k]);
    if (!*output)
      continue;
    ir_value *old = onnx_build(import, IR_OP_MUL, base, in[2 + k], kept, NULL);
    ir_value *now = onnx_build(import, IR_OP_MUL, base, k == 1 ? batch_mean : batch_var, taken, NULL);
    if (!onnx_build(import, IR_OP_ADD, base, old, now, output))
      return -1;
  }
  return 0;
}
