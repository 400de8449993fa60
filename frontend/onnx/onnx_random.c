/* Random ops built on RandomUniformLike (codegen/ops/random.c: counter-based, seeded by the
 * `seed` attribute or the node's name), expanded at import:
 * - Bernoulli: Cast(u < p) to `dtype` (default p's type), u drawn like p;
 * - Dropout in training mode (training_mode not a constant false, ratio not a constant 0):
 *   keep = u >= ratio or not training_mode; y = keep ? x * scale : 0 with scale = 1 / (1 -
 *   ratio) in training mode, else 1; the mask output is keep. training_mode and ratio may be
 *   computed at run time. An import with the `inference` option expands every Dropout in
 *   inference form (dlcc train's evaluation: Dropout off). */
#include "onnx_internal.h"

#include <string.h>

static const char *base_of(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  return onnx_node_display_name(import, proto, index);
}

/* RandomUniformLike of `like`'s shape and type, with the node's seed when it has one. */
static ir_value *uniform_like(onnx_import *import, const Onnx__NodeProto *proto, const char *base,
                              ir_value *like) {
  ir_node *node = onnx_build_start(import, IR_OP_RANDOM_UNIFORM_LIKE, base, &like, 1, NULL);
  const Onnx__AttributeProto *seed = onnx_find_attr(proto, "seed");
  if (node && seed && ir_node_set_float(import->graph, node, "seed", seed->f) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

int onnx_expand_bernoulli(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  (void)num_outputs;
  if (num_inputs < 1 || !inputs[0] || !ir_dtype_is_float(inputs[0]->type.dtype))
    return onnx_node_error(import, proto, index, "needs a float input of probabilities");
  ir_dtype to = inputs[0]->type.dtype;
  const Onnx__AttributeProto *dtype = onnx_find_attr(proto, "dtype");
  if (dtype && (to = ir_dtype_from_onnx((int)dtype->i)) == IR_DTYPE_INVALID)
    return onnx_node_error(import, proto, index, "unsupported 'dtype' (ONNX data type %lld)",
                           (long long)dtype->i);
  const char *base = base_of(import, proto, index);
  ir_value *drawn = uniform_like(import, proto, base, inputs[0]);
  ir_value *success = onnx_build(import, IR_OP_LESS, base, drawn, inputs[0], NULL);
  return onnx_build_cast(import, base, success, to, names[0]) ? 0 : -1;
}

static bool dropout_is_training(ir_value *const *inputs, int num_inputs) {
  const ir_value *ratio = num_inputs > 1 ? inputs[1] : NULL;
  const ir_value *training = num_inputs > 2 ? inputs[2] : NULL;
  bool constant_zero_ratio = ratio && ratio->kind == IR_VALUE_CONSTANT && ratio->data &&
                             ir_element_get_float(ratio->type.dtype, ratio->data, 0) == 0.0;
  bool constant_false = training && training->kind == IR_VALUE_CONSTANT && training->data &&
                        ir_element_get_float(training->type.dtype, training->data, 0) == 0.0;
  return training && !constant_false && !constant_zero_ratio;
}

static bool dropout_trains(const onnx_import *import, ir_value *const *inputs, int num_inputs) {
  return !(import->options && import->options->inference) &&
         dropout_is_training(inputs, num_inputs);
}

bool onnx_dropout_needs_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                  ir_value *const *inputs, int num_inputs) {
  (void)import;
  bool mask_asked = proto->n_output > 1 && proto->output[1] && proto->output[1][0];
  return dropout_is_training(inputs, num_inputs) || mask_asked;
}

/* Inference: y is x, the mask all true: Or(Cast(x, bool), true), elementwise, so that x's
 * dims need not be known at compile time (a batch left symbolic). */
static int expand_inference_dropout(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                    ir_value *x, const char **names, int num_outputs) {
  const char *base = base_of(import, proto, index);
  if (!onnx_build(import, IR_OP_IDENTITY, base, x, NULL, names[0]))
    return -1;
  if (num_outputs < 2)
    return 0;
  const uint8_t yes = 1;
  ir_value *true_value = ir_graph_add_constant_copy(
      import->graph, ir_graph_unique_name(import->graph, base), ir_type_scalar(IR_DTYPE_BOOL), &yes);
  if (!true_value)
    return onnx_error(import, "out of memory");
  ir_value *as_bool = onnx_build_cast(import, base, x, IR_DTYPE_BOOL, NULL);
  return onnx_build(import, IR_OP_OR, base, as_bool, true_value, names[1]) ? 0 : -1;
}

int onnx_expand_dropout(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  if (!inputs[0])
    return onnx_node_error(import, proto, index, "needs an input");
  if (!dropout_trains(import, inputs, num_inputs))
    return expand_inference_dropout(import, proto, index, inputs[0], names, num_outputs);
  ir_value *x = inputs[0], *training = inputs[2];
  if (!x || !ir_dtype_is_float(x->type.dtype) || training->type.dtype != IR_DTYPE_BOOL ||
      training->type.rank != 0 || (inputs[1] && !ir_dtype_is_float(inputs[1]->type.dtype)))
    return onnx_node_error(import, proto, index,
                           "needs a float x, a float ratio and a bool training_mode");
  (void)num_inputs;
  ir_dtype dtype = x->type.dtype;
  const char *base = base_of(import, proto, index);
  ir_value *ratio = inputs[1] ? onnx_build_cast(import, base, inputs[1], dtype, NULL)
                              : onnx_float_scalar_constant(import, base, dtype, 0.5);
  ir_value *one = onnx_float_scalar_constant(import, base, dtype, 1.0);
  ir_value *drawn = uniform_like(import, proto, base, x);
  ir_value *kept = onnx_build(import, IR_OP_GREATER_OR_EQUAL, base, drawn, ratio, NULL);
  const char *mask = num_outputs > 1 ? names[1] : NULL;
  ir_value *keep = onnx_build(import, IR_OP_OR, base, kept,
                              onnx_build(import, IR_OP_NOT, base, training, NULL, NULL), mask);
  ir_value *scale =
      onnx_build_where(import, base, training,
                       onnx_build(import, IR_OP_DIV, base, one,
                                  onnx_build(import, IR_OP_SUB, base, one, ratio, NULL), NULL),
                       one, NULL);
  ir_value *scaled = onnx_build(import, IR_OP_MUL, base, x, scale, NULL);
  ir_value *zero = onnx_float_scalar_constant(import, base, dtype, 0.0);
  return onnx_build_where(import, base, keep, scaled, zero, names[0]) ? 0 : -1;
}
