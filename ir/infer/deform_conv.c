/* Inference of DeformConv (2-D): X (N, C, H, W), W (M, C / group, kH, kW), offset (N,
 * offset_group * kH * kW * 2, oH, oW), optional B (M) and mask (N, offset_group * kH * kW,
 * oH, oW) → (N, M, oH, oW), oH and oW those of the Conv with the same window. */
#include "ir/infer/window.h"

int ir_deform_conv_read(const ir_node *node, ir_window *window, int64_t *group,
                        int64_t *offset_group, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  const ir_type *offset = &node->inputs[2]->type;
  int64_t out[2];
  if (ir_window_read(node, 2, &w->dims[2], window, diag) != 0 ||
      ir_window_output(node, window, &x->dims[2], out, diag) != 0 ||
      ir_attr_int_default(node, "group", group, diag) != 0 ||
      ir_attr_int_default(node, "offset_group", offset_group, diag) != 0)
    return -1;
  if (*group < 1 || *offset_group < 1 || x->dims[1] % *group != 0 ||
      x->dims[1] % *offset_group != 0 || w->dims[1] * *group != x->dims[1] ||
      w->dims[0] % *group != 0)
    return ir_node_error(diag, node, "group %lld and offset_group %lld do not divide the channels",
                         (long long)*group, (long long)*offset_group);
  int64_t taps = w->dims[2] * w->dims[3];
  if (offset->dims[0] != x->dims[0] || offset->dims[1] != *offset_group * taps * 2 ||
      offset->dims[2] != out[0] || offset->dims[3] != out[1])
    return ir_node_error(diag, node, "offset must be [%lld, %lld, %lld, %lld]",
                         (long long)x->dims[0], (long long)(*offset_group * taps * 2),
                         (long long)out[0], (long long)out[1]);
  const ir_value *bias = ir_node_input(node, 3), *mask = ir_node_input(node, 4);
  if (bias && (bias->type.rank != 1 || bias->type.dims[0] != w->dims[0]))
    return ir_node_error(diag, node, "B must be [%lld]", (long long)w->dims[0]);
  if (mask && (mask->type.rank != 4 || mask->type.dims[1] != *offset_group * taps ||
               mask->type.dims[0] != x->dims[0] || mask->type.dims[2] != out[0] ||
               mask->type.dims[3] != out[1]))
    return ir_node_error(diag, node, "mask must be [%lld, %lld, %lld, %lld]", (long long)x->dims[0],
                         (long long)(*offset_group * taps), (long long)out[0], (long long)out[1]);
  return 0;
}

int ir_infer_deform_conv(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  ir_window window;
  int64_t group, offset_group;
  if (ir_expect_rank(graph, node, 0, 4, 4, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 4, 4, diag) != 0 ||
      ir_expect_rank(graph, node, 2, 4, 4, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 1, 0, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 2, 0, diag) != 0 ||
      (ir_node_input(node, 3) && ir_expect_same_dtype(graph, node, 3, 0, diag) != 0) ||
      (ir_node_input(node, 4) && ir_expect_same_dtype(graph, node, 4, 0, diag) != 0) ||
      ir_expect_static_dims(graph, node, 0, 0, "DeformConv", diag) != 0 ||
      ir_expect_static_dims(graph, node, 1, 0, "DeformConv", diag) != 0 ||
      ir_expect_static_dims(graph, node, 2, 0, "DeformConv", diag) != 0 ||
      ir_deform_conv_read(node, &window, &group, &offset_group, diag) != 0)
    return -1;
  const ir_type *offset = &node->inputs[2]->type;
  const int64_t dims[4] = {x->dims[0], w->dims[0], offset->dims[2], offset->dims[3]};
  return ir_set_output_type(node, 0, ir_type_make(x->dtype, 4, dims), diag);
}
