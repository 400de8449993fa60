/* Expansions: ONNX nodes the importer builds from other IR nodes, either always (ops with
 * no IR op of their own: SoftmaxCrossEntropyLoss, QuantizeLinear, DequantizeLinear, the
 * channel normalizations) or where
 * their semantics at the model's opset differ from the IR op's. One table row per op; the
 * support check and the node builder both read it. */
#include "onnx_internal.h"

#include <string.h>

/* QuantizeLinear and DequantizeLinear (onnx_quantize.c) take no output names. */
static int expand_quantize(onnx_import *import, const Onnx__NodeProto *proto, int index,
                           ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  (void)names, (void)num_outputs; /* one output, named after the node's */
  return onnx_expand_quantize(import, proto, index, inputs, num_inputs);
}

static const onnx_expansion EXPANSIONS[] = {
    {"QuantizeLinear", NULL, expand_quantize},
    {"DequantizeLinear", NULL, expand_quantize},
    {"Softmax", onnx_softmax_needs_expansion, onnx_expand_softmax},
    {"LogSoftmax", onnx_softmax_needs_expansion, onnx_expand_softmax},
    {"SoftmaxCrossEntropyLoss", NULL, onnx_expand_softmax_cross_entropy_loss},
    {"InstanceNormalization", NULL, onnx_expand_instance_normalization},
    {"GroupNormalization", NULL, onnx_expand_group_normalization},
    {"MeanVarianceNormalization", NULL, onnx_expand_mean_variance_normalization},
};

static const onnx_expansion *find(const char *op) {
  for (size_t i = 0; i < sizeof EXPANSIONS / sizeof EXPANSIONS[0]; i++)
    if (strcmp(EXPANSIONS[i].op, op) == 0)
      return &EXPANSIONS[i];
  return NULL;
}

bool onnx_op_is_expanded_always(const char *op) {
  const onnx_expansion *expansion = find(op);
  return expansion && !expansion->needed;
}

const onnx_expansion *onnx_find_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                          ir_value *const *inputs, int num_inputs) {
  const onnx_expansion *expansion = find(onnx_text(proto->op_type));
  if (!expansion || (expansion->needed && !expansion->needed(import, proto, inputs, num_inputs)))
    return NULL;
  return expansion;
}

ir_node *onnx_add_expansion_node(onnx_import *import, ir_op op, const char *name, ir_value **inputs,
                                 int num_inputs, const char **output_names, int num_outputs) {
  ir_node *node = ir_graph_add_node(import->graph, NULL, op, name, inputs, num_inputs, output_names,
                                    num_outputs);
  if (!node)
    onnx_error(import, "out of memory");
  return node;
}
