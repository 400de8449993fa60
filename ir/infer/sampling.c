/* Inference of the sampling ops: GridSample (X sampled at the normalized positions of a grid),
 * AffineGrid (the grid an affine transform makes) and RoiAlign (bins of regions sampled). */
#include "ir/infer.h"

#include <string.h>

/* GridSample's interpolation (opset 16 names: bilinear, bicubic), as 0 nearest, 1 linear,
 * 2 cubic; padding_mode checked. */
int ir_grid_sample_mode(const ir_node *node, int *out_mode, dl_diag *diag) {
  const char *mode, *padding;
  if (ir_attr_string_default(node, "mode", &mode, diag) != 0 ||
      ir_attr_string_default(node, "padding_mode", &padding, diag) != 0)
    return -1;
  if (strcmp(mode, "nearest") == 0)
    *out_mode = 0;
  else if (strcmp(mode, "linear") == 0 || strcmp(mode, "bilinear") == 0)
    *out_mode = 1;
  else if (strcmp(mode, "cubic") == 0 || strcmp(mode, "bicubic") == 0)
    *out_mode = 2;
  else
    return ir_node_error(diag, node,
                         "attribute 'mode' is '%s'; it must be nearest, linear or "
                         "cubic",
                         mode);
  if (strcmp(padding, "zeros") != 0 && strcmp(padding, "border") != 0 &&
      strcmp(padding, "reflection") != 0)
    return ir_node_error(diag, node,
                         "attribute 'padding_mode' is '%s'; it must be zeros, "
                         "border or reflection",
                         padding);
  return 0;
}

/* GridSample(X (N, C, D1..Dr), grid (N, O1..Or, r)) → (N, C, O1..Or). */
int ir_infer_grid_sample(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *grid = &node->inputs[1]->type;
  int mode;
  if (ir_expect_rank(graph, node, 0, 3, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, x->rank, x->rank, diag) != 0 ||
      ir_expect_float(graph, node, 1, diag) != 0 || ir_grid_sample_mode(node, &mode, diag) != 0)
    return -1;
  if (grid->dims[x->rank - 1] != x->rank - 2 || grid->dims[0] != x->dims[0])
    return ir_input_error(graph, diag, node, 1, "GridSample needs a grid of shape [%lld, ..., %d]",
                          (long long)x->dims[0], x->rank - 2);
  ir_type result = *x;
  for (int d = 2; d < x->rank; d++)
    result.dims[d] = grid->dims[d - 1];
  return ir_set_output_type(node, 0, result, diag);
}

/* AffineGrid(theta (N, 2, 3) or (N, 3, 4), size [N, C, H, W] or [N, C, D, H, W]) →
 * (N, H, W, 2) or (N, D, H, W, 3). size is a shape input. */
int ir_infer_affine_grid(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *theta = &node->inputs[0]->type;
  int64_t size[5];
  int count = 0;
  if (ir_expect_rank(graph, node, 0, 3, 3, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0 ||
      ir_node_constant_ints(node, 1, size, 5, &count, diag) != 0)
    return -1;
  int spatial = count - 2;
  if (count < 4 || theta->dims[1] != spatial || theta->dims[2] != spatial + 1 ||
      theta->dims[0] != size[0])
    return ir_input_error(graph, diag, node, 0,
                          "AffineGrid needs theta (N, 2, 3) with a size of 4 values or (N, 3, 4) "
                          "with 5 (size has %d)",
                          count);
  int64_t dims[5] = {size[0]};
  for (int d = 0; d < spatial; d++) {
    if (size[2 + d] < 1)
      return ir_node_error(diag, node, "size[%d] is %lld", 2 + d, (long long)size[2 + d]);
    dims[1 + d] = size[2 + d];
  }
  dims[1 + spatial] = spatial;
  return ir_set_output_type(node, 0, ir_type_make(theta->dtype, spatial + 2, dims), diag);
}

/* RoiAlign(X (N, C, H, W), rois (R, 4), batch_indices (R)) → (R, C, output_height,
 * output_width). */
int ir_infer_roi_align(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *rois = &node->inputs[1]->type;
  const ir_type *batch = &node->inputs[2]->type;
  int64_t height, width, sampling;
  const char *mode, *coordinates;
  if (ir_expect_rank(graph, node, 0, 4, 4, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 2, 2, diag) != 0 ||
      ir_expect_rank(graph, node, 2, 1, 1, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 1, 0, diag) != 0 ||
      ir_attr_int_default(node, "output_height", &height, diag) != 0 ||
      ir_attr_int_default(node, "output_width", &width, diag) != 0 ||
      ir_attr_int_default(node, "sampling_ratio", &sampling, diag) != 0 ||
      ir_attr_string_default(node, "mode", &mode, diag) != 0 ||
      ir_attr_string_default(node, "coordinate_transformation_mode", &coordinates, diag) != 0)
    return -1;
  if (rois->dims[1] != 4 || batch->dims[0] != rois->dims[0] ||
      (batch->dtype != IR_DTYPE_I64 && batch->dtype != IR_DTYPE_I32))
    return ir_input_error(graph, diag, node, 1,
                          "RoiAlign needs rois (R, 4) and integer batch_indices (R)");
  if (height < 1 || width < 1 || sampling < 0)
    return ir_node_error(diag, node, "output %lld x %lld with sampling_ratio %lld",
                         (long long)height, (long long)width, (long long)sampling);
  if ((strcmp(mode, "avg") != 0 && strcmp(mode, "max") != 0) ||
      (strcmp(coordinates, "half_pixel") != 0 && strcmp(coordinates, "output_half_pixel") != 0))
    return ir_node_error(diag, node,
                         "mode '%s' and coordinate_transformation_mode '%s': avg or "
                         "max, half_pixel or output_half_pixel",
                         mode, coordinates);
  const int64_t dims[4] = {rois->dims[0], x->dims[1], height, width};
  return ir_set_output_type(node, 0, ir_type_make(x->dtype, 4, dims), diag);
}
