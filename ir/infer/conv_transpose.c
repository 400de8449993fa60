/* Inference of ConvTranspose: X (N, C, D1..Dn), W (C, M/group, k1..kn), optional B (M) →
 * (N, M, O1..On), the sizes from output_shape or from strides, output_padding, dilations and
 * pads (auto_pad SAME_* makes O = D * stride), as ONNX's reference computes them. */
#include "ir/infer/window.h"

#include <string.h>

static int64_t floor_half(int64_t value) { return value >= 0 ? value / 2 : -((1 - value) / 2); }

int ir_conv_transpose_geometry(const ir_node *node, ir_window *window, int64_t *out,
                               dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  int rank = x->rank - 2;
  const int64_t *padding = NULL, *shape = NULL;
  int padding_count = -1, shape_count = -1;
  if (ir_window_read(node, rank, &w->dims[2], window, diag) != 0 ||
      ir_attr_ints(node, "output_padding", &padding, &padding_count, diag) != 0 ||
      ir_attr_ints(node, "output_shape", &shape, &shape_count, diag) != 0)
    return -1;
  if (padding_count >= 0 && padding_count != rank)
    return ir_node_error(diag, node, "attribute 'output_padding' has %d values but needs %d",
                         padding_count, rank);
  if (shape_count >= 0 && shape_count != rank && shape_count != rank + 2)
    return ir_node_error(diag, node, "attribute 'output_shape' has %d values but needs %d",
                         shape_count, rank);
  bool same = strncmp(window->auto_pad, "SAME_", 5) == 0;
  bool upper = strcmp(window->auto_pad, "SAME_UPPER") == 0;
  for (int i = 0; i < rank; i++) {
    int64_t stride = window->strides[i], extra = padding_count > 0 ? padding[i] : 0;
    int64_t extent = (window->kernel[i] - 1) * window->dilations[i] + 1;
    int64_t natural = stride * (x->dims[2 + i] - 1) + extra + extent;
    if (extra < 0 || (extra >= stride && extra >= window->dilations[i]))
      return ir_node_error(diag, node,
                           "attribute 'output_padding' value %d is %lld; it must be below the "
                           "stride or the dilation",
                           i, (long long)extra);
    if (shape_count >= 0 || same) {
      out[i] = shape_count >= 0 ? shape[shape_count - rank + i] : x->dims[2 + i] * stride;
      if (same) {
        int64_t total = natural - out[i];
        window->pads[i] = upper ? floor_half(total) : total - floor_half(total);
        window->pads[rank + i] = total - window->pads[i];
      }
    } else {
      out[i] = natural - window->pads[i] - window->pads[rank + i];
    }
    if (out[i] < 0)
      return ir_node_error(diag, node, "output size %d is %lld", i, (long long)out[i]);
  }
  return 0;
}

int ir_infer_conv_transpose(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  if (ir_expect_conv_operands(graph, node, diag) != 0)
    return -1;
  int64_t group;
  if (ir_attr_int_default(node, "group", &group, diag) != 0)
    return -1;
  if (group < 1 || x->dims[1] % group != 0)
    return ir_node_error(diag, node, "attribute 'group' is %lld; it must divide the %lld channels",
                         (long long)group, (long long)x->dims[1]);
  if (w->dims[0] != x->dims[1])
    return ir_input_error(graph, diag, node, 1, "ConvTranspose needs %lld input channels",
                          (long long)x->dims[1]);
  int64_t out_channels = w->dims[1] * group;
  const ir_value *bias = ir_node_input(node, 2);
  if (bias && (ir_expect_same_dtype(graph, node, 2, 0, diag) != 0 || bias->type.rank != 1 ||
               bias->type.dims[0] != out_channels))
    return ir_input_error(graph, diag, node, 2, "ConvTranspose needs a bias of shape [%lld]",
                          (long long)out_channels);
  ir_window window;
  ir_type result = *x;
  result.dims[1] = out_channels;
  if (ir_conv_transpose_geometry(node, &window, &result.dims[2], diag) != 0)
    return -1;
  return ir_set_output_type(node, 0, result, diag);
}
