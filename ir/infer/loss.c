/* Inference of the loss ops: NegativeLogLikelihoodLoss (SoftmaxCrossEntropyLoss is imported
 * as LogSoftmax → NegativeLogLikelihoodLoss, frontend/onnx/onnx_loss.c). */
#include "ir/infer.h"

#include <string.h>

/* The loss's reduction: "none" keeps the target's shape, "sum" and "mean" give a scalar. */
int ir_loss_reduction(const ir_node *node, bool *out_reduced, dl_diag *diag) {
  const char *reduction;
  if (ir_attr_string_default(node, "reduction", &reduction, diag) != 0)
    return -1;
  if (strcmp(reduction, "none") != 0 && strcmp(reduction, "sum") != 0 &&
      strcmp(reduction, "mean") != 0)
    return ir_node_error(diag, node, "attribute 'reduction' is '%s'; it must be none, sum or mean",
                         reduction);
  *out_reduced = strcmp(reduction, "none") != 0;
  return 0;
}

/* NegativeLogLikelihoodLoss(input [N, C, d1..dk], target [N, d1..dk] of i32/i64,
 * weight [C]?): the loss per target element, or its sum or weighted mean. */
int ir_infer_negative_log_likelihood_loss(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *input = &node->inputs[0]->type, *target = &node->inputs[1]->type;
  bool reduced;
  if (ir_expect_rank(graph, node, 0, 2, IR_MAX_RANK, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0 || ir_loss_reduction(node, &reduced, diag) != 0)
    return -1;
  if (target->dtype != IR_DTYPE_I32 && target->dtype != IR_DTYPE_I64)
    return ir_input_error(graph, diag, node, 1, "%s needs i32 or i64 targets",
                          ir_op_name(node->op));
  bool matches = target->rank == input->rank - 1 && target->dims[0] == input->dims[0];
  for (int d = 1; matches && d < target->rank; d++)
    matches = target->dims[d] == input->dims[d + 1];
  char text[160];
  if (!matches)
    return ir_input_error(graph, diag, node, 1,
                          "%s needs the input's shape without its class axis 1 (input %s)",
                          ir_op_name(node->op), ir_format_type(graph, input, text, sizeof(text)));
  const ir_value *weight = ir_node_input(node, 2);
  if (weight && ir_expect_same_dtype(graph, node, 2, 0, diag) != 0)
    return -1;
  if (weight && (weight->type.rank != 1 || weight->type.dims[0] != input->dims[1]))
    return ir_input_error(graph, diag, node, 2, "%s needs one weight per class of %s",
                          ir_op_name(node->op), ir_format_type(graph, input, text, sizeof(text)));
  ir_type loss = *target;
  loss.dtype = input->dtype;
  if (reduced)
    loss.rank = 0;
  return ir_set_output_type(node, 0, loss, diag);
}
