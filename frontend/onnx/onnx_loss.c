/* SoftmaxCrossEntropyLoss(scores, labels, weights?) is NegativeLogLikelihoodLoss of
 * LogSoftmax(scores) over the class axis 1, with the node's reduction and ignore_index; its
 * optional second output (log_prob) is the LogSoftmax's output. */
#include "onnx_internal.h"

#include <stdio.h>

int onnx_expand_softmax_cross_entropy_loss(onnx_import *import, const Onnx__NodeProto *proto,
                                           int index, ir_value **inputs, int num_inputs,
                                           const char **names, int num_outputs) {
  const char *name = onnx_node_display_name(import, proto, index);
  if (num_inputs < 2)
    return onnx_node_error(import, proto, index, "needs scores and labels (has %d inputs)",
                           num_inputs);
  char part[512];
  snprintf(part, sizeof(part), "%s/log_softmax", name);
  const char *log_prob =
      num_outputs > 1 ? names[1]
                      : ir_graph_unique_name(import->graph, ir_arena_printf(import->graph->arena,
                                                                            "%s.log_prob", name));
  ir_node *log_softmax =
      onnx_add_expansion_node(import, IR_OP_LOG_SOFTMAX, part, inputs, 1, &log_prob, 1);
  if (!log_softmax || ir_node_set_int(import->graph, log_softmax, "axis", 1) != 0 ||
      onnx_finish_node(import, log_softmax) != 0)
    return -1;
  ir_value *loss_inputs[3] = {log_softmax->outputs[0], inputs[1],
                              num_inputs > 2 ? inputs[2] : NULL};
  ir_node *loss = onnx_add_expansion_node(import, IR_OP_NEGATIVE_LOG_LIKELIHOOD_LOSS, name,
                                          loss_inputs, num_inputs > 2 ? 3 : 2, names, 1);
  /* The node's attributes (reduction, ignore_index) are the loss's. */
  if (!loss || onnx_convert_attrs(import, proto, index, loss) != 0)
    return -1;
  return onnx_finish_node(import, loss);
}
