/* Expansions: ONNX nodes the importer builds from other IR nodes, either always (ops with
 * no IR op of their own: SoftmaxCrossEntropyLoss, QuantizeLinear, DequantizeLinear, the
 * channel normalizations, Bernoulli, the optimizers of the training domain, three ops of
 * the ML domain) or where
 * the node's inputs call for it (Dropout in training mode or with its mask) or where
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

#define TRAINING_DOMAIN "ai.onnx.preview.training"
#define ML_DOMAIN "ai.onnx.ml"

static const onnx_expansion EXPANSIONS[] = {
    {"MatMulInteger", NULL, onnx_expand_integer_matmul, NULL},
    {"QLinearMatMul", NULL, onnx_expand_integer_matmul, NULL},
    {"ConvInteger", NULL, onnx_expand_integer_conv, NULL},
    {"QLinearConv", NULL, onnx_expand_integer_conv, NULL},
    {"DynamicQuantizeLinear", NULL, onnx_expand_dynamic_quantize, NULL},
    {"DFT", NULL, onnx_expand_dft, NULL},
    {"STFT", NULL, onnx_expand_stft, NULL},
    {"HannWindow", NULL, onnx_expand_window, NULL},
    {"HammingWindow", NULL, onnx_expand_window, NULL},
    {"BlackmanWindow", NULL, onnx_expand_window, NULL},
    {"MelWeightMatrix", NULL, onnx_expand_window, NULL},
    {"RNN", NULL, onnx_expand_recurrent, NULL},
    {"GRU", NULL, onnx_expand_recurrent, NULL},
    {"LSTM", NULL, onnx_expand_recurrent, NULL},
    {"CausalConvWithState", NULL, onnx_expand_causal_conv_with_state, NULL},
    {"LinearAttention", NULL, onnx_expand_linear_attention, NULL},
    {"FlexAttention", NULL, onnx_expand_flex_attention, "ai.onnx.preview"},
    {"QuantizeLinear", NULL, expand_quantize, NULL},
    {"DequantizeLinear", NULL, expand_quantize, NULL},
    {"Softmax", onnx_softmax_needs_expansion, onnx_expand_softmax, NULL},
    {"LogSoftmax", onnx_softmax_needs_expansion, onnx_expand_softmax, NULL},
    {"SoftmaxCrossEntropyLoss", NULL, onnx_expand_softmax_cross_entropy_loss, NULL},
    {"InstanceNormalization", NULL, onnx_expand_instance_normalization, NULL},
    {"GroupNormalization", NULL, onnx_expand_group_normalization, NULL},
    {"MeanVarianceNormalization", NULL, onnx_expand_mean_variance_normalization, NULL},
    {"Bernoulli", NULL, onnx_expand_bernoulli, NULL},
    {"Dropout", onnx_dropout_needs_expansion, onnx_expand_dropout, NULL},
    {"Binarizer", NULL, onnx_expand_binarizer, ML_DOMAIN},
    {"ArrayFeatureExtractor", NULL, onnx_expand_array_feature_extractor, ML_DOMAIN},
    {"TreeEnsemble", NULL, onnx_expand_tree_ensemble, ML_DOMAIN},
    {"Adagrad", NULL, onnx_expand_optimizer, TRAINING_DOMAIN},
    {"Momentum", NULL, onnx_expand_optimizer, TRAINING_DOMAIN},
    {"Adam", NULL, onnx_expand_optimizer, TRAINING_DOMAIN},
};

static const onnx_expansion *find(const char *op, const char *domain) {
  for (size_t i = 0; i < sizeof EXPANSIONS / sizeof EXPANSIONS[0]; i++)
    if (strcmp(EXPANSIONS[i].op, op) == 0 &&
        (EXPANSIONS[i].domain ? domain && strcmp(EXPANSIONS[i].domain, domain) == 0
                              : onnx_is_default_domain(domain)))
      return &EXPANSIONS[i];
  return NULL;
}

bool onnx_op_is_expanded_always(const char *op, const char *domain) {
  const onnx_expansion *expansion = find(op, domain);
  return expansion && !expansion->needed;
}

const onnx_expansion *onnx_find_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                          ir_value *const *inputs, int num_inputs) {
  const onnx_expansion *expansion = find(onnx_text(proto->op_type), proto->domain);
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
