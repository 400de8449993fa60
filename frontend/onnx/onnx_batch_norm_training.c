/* BatchNormalization in training mode (opset 14+, training_mode=1), expanded at import: the
 * batch's own mean and population variance over every axis but the channel normalize it (the
 * inference op with those statistics), and the running statistics outputs blend the inputs'
 * with the batch's: running = input * momentum + current * (1 - momentum), as ONNX defines. */
#include "onnx_internal.h"

#include <string.h>

static ir_value *add(onnx_import *import, ir_op op, const char *base, ir_value *a, ir_value *b,
                     const char *output) {
  ir_value *inputs[2] = {a, b};
  const char *name = output && *output ? output
                                       : ir_graph_unique_name(import->graph, base);
  ir_node *node = name ? ir_graph_add_node(import->graph, NULL, op, name, inputs, b ? 2 : 1,
                                           &name, 1)
                       : NULL;
  return node && onnx_finish_node(import, node) == 0 ? node->outputs[0] : NULL;
}

/* The mean over `axes` of `x`, keeping them as size-1 dims. */
static ir_value *mean(onnx_import *import, const char *base, ir_value *x, ir_value *axes) {
  ir_value *inputs[2] = {x, axes};
  const char *name = ir_graph_unique_name(import->graph, base);
  ir_node *node = name ? ir_graph_add_node(import->graph, NULL, IR_OP_REDUCE_MEAN, name, inputs, 2,
                                           &name, 1)
                       : NULL;
  if (!node || ir_node_set_int(import->graph, node, "keepdims", 1) != 0 ||
      onnx_finish_node(import, node) != 0)
    return NULL;
  return node->outputs[0];
}

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
  ir_value *axes_value = onnx_ints_constant(import, base, axes, (int)count);
  ir_value *channel_shape = onnx_ints_constant(import, base, &channels, 1);
  ir_value *mean4 = axes_value ? mean(import, base, in[0], axes_value) : NULL;
  ir_value *centered = mean4 ? add(import, IR_OP_SUB, base, in[0], mean4, NULL) : NULL;
  ir_value *squares = centered ? add(import, IR_OP_MUL, base, centered, centered, NULL) : NULL;
  ir_value *var4 = squares ? mean(import, base, squares, axes_value) : NULL;
  ir_value *batch_mean = mean4 && channel_shape ? add(import, IR_OP_RESHAPE, base, mean4, channel_shape, NULL) : NULL;
  ir_value *batch_var = var4 ? add(import, IR_OP_RESHAPE, base, var4, channel_shape, NULL) : NULL;
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
    ir_value *old = add(import, IR_OP_MUL, base, in[2 + k], kept, NULL);
    ir_value *now = old ? add(import, IR_OP_MUL, base, k == 1 ? batch_mean : batch_var, taken, NULL) : NULL;
    if (!now || !add(import, IR_OP_ADD, base, old, now, output))
      return -1;
  }
  return 0;
}
