/* BatchNormalization as torch's model.train() runs it, for the training step: the inference
 * op (as exported) becomes
 *   mean = ReduceMean(x) and var = ReduceMean((x - mean)^2) over every axis but the channel 1,
 *   y = (x - mean) / sqrt(var + epsilon) * scale + bias,
 * written in ops that have gradients, and its running mean and variance (constants) become
 * states updated as running * momentum + batch * (1 - momentum) (ONNX's momentum, torch's
 * 1 - momentum), the batch variance unbiased (times n / (n - 1)) as torch keeps it. */
#include "passes/train/train_internal.h"

#include "ir/infer.h"
#include "ir/state.h"
#include "passes/rewrite.h"

static int train_one(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_value *x = node->inputs[0], *scale = node->inputs[1], *bias = node->inputs[2];
  ir_value *running_mean = node->inputs[3], *running_var = node->inputs[4];
  const ir_type *type = &x->type;
  if (type->rank < 2 || !ir_dtype_is_float(type->dtype) || !ir_type_is_static(type))
    return ir_node_error(diag, node,
                         "training needs a float input of rank 2 or more with static "
                         "dims");
  for (int k = 3; k < 5; k++)
    if (node->inputs[k]->kind != IR_VALUE_CONSTANT)
      return ir_node_error(diag, node,
                           "training needs its running %s '%s' to be a constant (the exported "
                           "statistics), not computed",
                           k == 3 ? "mean" : "variance", node->inputs[k]->name);
  float epsilon, momentum;
  if (ir_attr_float(node, "epsilon", 1e-5f, &epsilon, diag) != 0 ||
      ir_attr_float(node, "momentum", 0.9f, &momentum, diag) != 0)
    return -1;
  int64_t axes[IR_MAX_RANK], channel_dims[IR_MAX_RANK], channels = type->dims[1], count = 0;
  int64_t n = 1;
  for (int d = 0; d < type->rank; d++) {
    channel_dims[d] = d == 1 ? channels : 1;
    if (d != 1) {
      axes[count++] = d;
      n *= type->dims[d];
    }
  }
  ir_builder b =
      dl_train_builder(graph, ir_arena_printf(graph->arena, "%s/train", node->name), diag);
  ir_node *mark = graph->body.last;
  ir_dtype dtype = type->dtype;
  ir_value *mean = ir_build_reduce(&b, IR_OP_REDUCE_MEAN, x, axes, (int)count, true);
  ir_value *centered = ir_build_op(&b, IR_OP_SUB, x, mean);
  ir_value *var =
      ir_build_reduce(&b, IR_OP_REDUCE_MEAN, ir_build_op(&b, IR_OP_MUL, centered, centered), axes,
                      (int)count, true);
  ir_value *deviation = ir_build_op(
      &b, IR_OP_SQRT, ir_build_op(&b, IR_OP_ADD, var, ir_build_scalar(&b, dtype, epsilon)), NULL);
  ir_value *y =
      ir_build_op(&b, IR_OP_ADD,
                  ir_build_op(&b, IR_OP_MUL, ir_build_op(&b, IR_OP_DIV, centered, deviation),
                              ir_build_reshape(&b, scale, channel_dims, type->rank)),
                  ir_build_reshape(&b, bias, channel_dims, type->rank));
  ir_value *batch_mean = ir_build_reshape(&b, mean, &channels, 1);
  ir_value *batch_var = ir_build_scaled_add(&b, n > 1 ? (double)n / (double)(n - 1) : 1.0,
                                            ir_build_reshape(&b, var, &channels, 1), NULL);
  ir_value *new_mean = ir_build_scaled_add(
      &b, momentum, running_mean, ir_build_scaled_add(&b, 1.0 - momentum, batch_mean, NULL));
  ir_value *new_var = ir_build_scaled_add(&b, momentum, running_var,
                                          ir_build_scaled_add(&b, 1.0 - momentum, batch_var, NULL));
  if (!y || !new_mean || !new_var)
    return -1;
  if (ir_value_make_state(graph, running_mean) != 0 ||
      ir_value_make_state(graph, running_var) != 0 ||
      ir_graph_set_state_update(graph, running_mean, new_mean) != 0 ||
      ir_graph_set_state_update(graph, running_var, new_var) != 0)
    return ir_node_error(diag, node,
                         "cannot make its running statistics '%s' and '%s' states (shared with "
                         "another node?)",
                         running_mean->name, running_var->name);
  /* The new nodes (appended after `mark`) go where the op was, before its readers. */
  for (ir_node *moved = mark ? mark->next : graph->body.first; moved;) {
    ir_node *next = moved->next;
    ir_region_remove(&graph->body, moved);
    ir_region_insert_before(&graph->body, node, moved);
    moved = next;
  }
  dl_replace_all_uses(graph, node->outputs[0], y);
  ir_region_remove(&graph->body, node);
  return 0;
}

int dl_train_batch_norms(ir_graph *graph, dl_diag *diag) {
  for (ir_node *node = graph->body.first; node;) {
    ir_node *next = node->next;
    if (node->op == IR_OP_BATCH_NORMALIZATION && train_one(graph, node, diag) != 0)
      return -1;
    node = next;
  }
  return 0;
}
