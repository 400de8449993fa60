/* Inference of the ops that move whole blocks of a tensor: DepthToSpace and SpaceToDepth
 * (channels to and from blocksize x blocksize spatial blocks) and CenterCropPad (each axis
 * cropped or zero-padded about its centre to a constant shape). */
#include "ir/infer.h"

#include <string.h>

static int read_blocksize(ir_graph *graph, ir_node *node, int64_t *out, dl_diag *diag) {
  if (ir_expect_rank(graph, node, 0, 4, 4, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 1, ir_op_name(node->op), diag) != 0 ||
      ir_attr_int_default(node, "blocksize", out, diag) != 0)
    return -1;
  if (*out < 1 || *out > (1 << 15))
    return ir_node_error(diag, node, "attribute 'blocksize' is %lld", (long long)*out);
  return 0;
}

/* DepthToSpace (N, C, H, W) → (N, C / b^2, H b, W b); mode DCR or CRD. */
int ir_infer_depth_to_space(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t b;
  const char *mode;
  if (read_blocksize(graph, node, &b, diag) != 0 ||
      ir_attr_string_default(node, "mode", &mode, diag) != 0)
    return -1;
  if (strcmp(mode, "DCR") != 0 && strcmp(mode, "CRD") != 0)
    return ir_node_error(diag, node, "attribute 'mode' is '%s'; it must be DCR or CRD", mode);
  if (x->dims[1] % (b * b) != 0)
    return ir_input_error(graph, diag, node, 0, "DepthToSpace needs channels divisible by %lld",
                          (long long)(b * b));
  ir_type result = *x;
  result.dims[1] = x->dims[1] / (b * b);
  result.dims[2] = x->dims[2] * b;
  result.dims[3] = x->dims[3] * b;
  return ir_set_output_type(node, 0, result, diag);
}

/* SpaceToDepth (N, C, H, W) → (N, C b^2, H / b, W / b). */
int ir_infer_space_to_depth(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t b;
  if (read_blocksize(graph, node, &b, diag) != 0)
    return -1;
  if (x->dims[2] % b != 0 || x->dims[3] % b != 0)
    return ir_input_error(graph, diag, node, 0, "SpaceToDepth needs H and W divisible by %lld",
                          (long long)b);
  ir_type result = *x;
  result.dims[1] = x->dims[1] * b * b;
  result.dims[2] = x->dims[2] / b;
  result.dims[3] = x->dims[3] / b;
  return ir_set_output_type(node, 0, result, diag);
}

int ir_center_crop_pad_shift(const ir_node *node, int64_t *shift, int64_t *out_dims,
                             dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t shape[IR_MAX_RANK], axes[IR_MAX_RANK];
  int count = 0, axes_count = x->rank;
  const int64_t *list = NULL;
  int list_count = -1;
  if (ir_node_constant_ints(node, 1, shape, IR_MAX_RANK, &count, diag) != 0 ||
      ir_attr_ints(node, "axes", &list, &list_count, diag) != 0)
    return -1;
  if (list_count > x->rank)
    return ir_node_error(diag, node, "attribute 'axes' has %d axes for rank %d", list_count,
                         x->rank);
  if (list_count >= 0) {
    axes_count = list_count;
    memcpy(axes, list, (size_t)list_count * sizeof(int64_t));
    if (ir_normalize_axes(node, "axes", axes, axes_count, x->rank, diag) != 0)
      return -1;
  } else {
    for (int d = 0; d < x->rank; d++)
      axes[d] = d;
  }
  if (count != axes_count)
    return ir_node_error(diag, node, "shape has %d values for %d axes", count, axes_count);
  for (int d = 0; d < x->rank; d++)
    shift[d] = 0, out_dims[d] = x->dims[d];
  for (int i = 0; i < count; i++) {
    int64_t dim = x->dims[axes[i]];
    if (shape[i] < 0)
      return ir_node_error(diag, node, "shape[%d] is %lld", i, (long long)shape[i]);
    /* The larger half of an odd difference goes at the end, cropped or padded. */
    shift[axes[i]] = shape[i] <= dim ? (dim - shape[i]) / 2 : -((shape[i] - dim) / 2);
    out_dims[axes[i]] = shape[i];
  }
  return 0;
}

/* CenterCropPad(input, shape): shape (a shape input) gives the sizes of `axes` (all). */
int ir_infer_center_crop_pad(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int64_t shift[IR_MAX_RANK];
  if (ir_expect_static_dims(graph, node, 0, 0, "CenterCropPad", diag) != 0)
    return -1;
  ir_type result = node->inputs[0]->type;
  if (ir_center_crop_pad_shift(node, shift, result.dims, diag) != 0)
    return -1;
  return ir_set_output_type(node, 0, result, diag);
}
