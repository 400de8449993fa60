/* Inference of Conv: X (N, C, D1..Dn), W (M, C/group, k1..kn), optional B (M). */
#include "ir/infer/window.h"

/* Checks the optional bias: rank 1, M values, the element type of X. */
static int check_bias(ir_graph *graph, const ir_node *node, int64_t out_channels, dl_diag *diag) {
  ir_value *bias = ir_node_input(node, 2);
  if (!bias)
    return 0;
  if (ir_expect_same_dtype(graph, node, 2, 0, diag) != 0)
    return -1;
  if (bias->type.rank != 1 || bias->type.dims[0] != out_channels)
    return ir_input_error(graph, diag, node, 2, "Conv needs a bias of shape [%lld]",
                          (long long)out_channels);
  return 0;
}

int ir_expect_conv_operands(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const char *op = ir_op_name(node->op);
  int rank = node->inputs[0]->type.rank;
  return ir_expect_rank(graph, node, 0, 3, IR_MAX_RANK, diag) != 0 ||
                 ir_expect_rank(graph, node, 1, rank, rank, diag) != 0 ||
                 ir_expect_float(graph, node, 0, diag) != 0 ||
                 ir_expect_same_dtype(graph, node, 1, 0, diag) != 0 ||
                 ir_expect_static_dims(graph, node, 0, 1, op, diag) != 0 ||
                 ir_expect_static_dims(graph, node, 1, 0, op, diag) != 0
             ? -1
             : 0;
}

int ir_infer_conv(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  if (ir_expect_conv_operands(graph, node, diag) != 0)
    return -1;
  int64_t group;
  if (ir_attr_int_default(node, "group", &group, diag) != 0)
    return -1;
  int64_t out_channels = w->dims[0], in_channels = x->dims[1];
  if (group < 1 || group > in_channels)
    return ir_node_error(diag, node, "attribute 'group' is %lld; it must be in [1, %lld]",
                         (long long)group, (long long)in_channels);
  int64_t grouped_channels;
  if (__builtin_mul_overflow(w->dims[1], group, &grouped_channels) ||
      grouped_channels != in_channels)
    return ir_input_error(graph, diag, node, 1,
                          "Conv needs %lld input channels per group (%lld channels, group %lld)",
                          (long long)(in_channels / group), (long long)in_channels,
                          (long long)group);
  if (out_channels % group != 0)
    return ir_input_error(graph, diag, node, 1,
                          "Conv needs output channels (%lld) divisible by group %lld",
                          (long long)out_channels, (long long)group);
  if (check_bias(graph, node, out_channels, diag) != 0)
    return -1;
  ir_window window;
  int spatial_rank = x->rank - 2;
  if (ir_window_read(node, spatial_rank, &w->dims[2], &window, diag) != 0)
    return -1;
  ir_type result = *x;
  result.dims[1] = out_channels;
  if (ir_window_output(node, &window, &x->dims[2], &result.dims[2], diag) != 0)
    return -1;
  return ir_set_output_type(node, 0, result, diag);
}
