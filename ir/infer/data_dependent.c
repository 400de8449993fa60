/* Inference of ops whose output sizes depend on input values (IR_OP_FLAG_DATA_DEPENDENT):
 * NonZero, Compress, Unique, NonMaxSuppression. Each output gets its upper bound; the kernels
 * report the actual dims of a run (docs/runtime.md, "Data-dependent output sizes"). */
#include "ir/checked_math.h"
#include "ir/infer.h"

/* The element count of input `index` (static dims); an error naming the node on overflow. */
static int element_count(const ir_node *node, int index, int64_t *out, dl_diag *diag) {
  const ir_type *type = &node->inputs[index]->type;
  if (!dl_checked_product(type->dims, type->rank, out))
    return ir_node_error(diag, node, "input %d has more elements than fit 64 bits", index);
  return 0;
}

/* NonZero(X): i64[rank, count] of the coordinates of the non-zero elements; count <= the
 * element count. */
int ir_infer_non_zero(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 0, "NonZero's input", diag) != 0)
    return -1;
  int64_t count;
  if (element_count(node, 0, &count, diag) != 0)
    return -1;
  int64_t dims[2] = {x->rank, count};
  return ir_set_output_type(node, 0, ir_type_make(IR_DTYPE_I64, 2, dims), diag);
}

/* Compress(X, condition, axis?): the slices along `axis` (of the flattened X without one)
 * whose condition is true; a condition shorter than the axis is false past its end. */
int ir_infer_compress(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *condition = &node->inputs[1]->type;
  if (ir_expect_static_dims(graph, node, 0, 0, "Compress's input", diag) != 0 ||
      ir_expect_rank(graph, node, 1, 1, 1, diag) != 0 ||
      ir_expect_static_dims(graph, node, 1, 0, "Compress's condition", diag) != 0)
    return -1;
  if (condition->dtype != IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 1, "Compress's condition must be bool");
  ir_type result = *x;
  if (!ir_node_attr(node, "axis")) {
    int64_t count;
    if (element_count(node, 0, &count, diag) != 0)
      return -1;
    result.rank = 1;
    result.dims[0] = count < condition->dims[0] ? count : condition->dims[0];
    return ir_set_output_type(node, 0, result, diag);
  }
  int64_t axis_attr;
  int axis;
  if (ir_attr_int(node, "axis", 0, &axis_attr, diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
    return ir_input_error(graph, diag, node, 0, "attribute 'axis' %lld is out of range",
                          (long long)axis_attr);
  if (result.dims[axis] > condition->dims[0])
    result.dims[axis] = condition->dims[0];
  return ir_set_output_type(node, 0, result, diag);
}

/* Unique(X, sorted, axis?): the distinct elements (of the flattened X) or slices along `axis`,
 * sorted or in order of first occurrence; then i64 [count] indices of first occurrences,
 * [length] inverse indices and [count] counts. count <= length, the slices along the axis. */
int ir_infer_unique(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t sorted;
  if (ir_expect_static_dims(graph, node, 0, 0, "Unique's input", diag) != 0 ||
      ir_attr_int_default(node, "sorted", &sorted, diag) != 0)
    return -1;
  ir_type values = *x;
  int64_t length;
  if (!ir_node_attr(node, "axis")) {
    if (element_count(node, 0, &length, diag) != 0)
      return -1;
    values.rank = 1;
    values.dims[0] = length;
  } else {
    int64_t axis_attr;
    int axis;
    if (ir_attr_int(node, "axis", 0, &axis_attr, diag) != 0)
      return -1;
    if (ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
      return ir_input_error(graph, diag, node, 0, "attribute 'axis' %lld is out of range",
                            (long long)axis_attr);
    length = x->dims[axis];
  }
  if (ir_set_output_type(node, 0, values, diag) != 0)
    return -1;
  for (int o = 1; o < node->num_outputs; o++)
    if (ir_set_output_type(node, o, ir_type_make(IR_DTYPE_I64, 1, &length), diag) != 0)
      return -1;
  return 0;
}

/* A one-element tensor input of NonMaxSuppression (rank 0 or [1]) of `dtype`, if present. */
static int expect_scalar_input(ir_graph *graph, const ir_node *node, int index, ir_dtype dtype,
                               dl_diag *diag) {
  const ir_value *input = ir_node_input(node, index);
  if (!input)
    return 0;
  const ir_type *type = &input->type;
  if (type->dtype != dtype || type->rank > 1 || (type->rank == 1 && type->dims[0] != 1))
    return ir_input_error(graph, diag, node, index, "NonMaxSuppression needs one %s value",
                          ir_dtype_name(dtype));
  return 0;
}

/* NonMaxSuppression(boxes [B, N, 4], scores [B, C, N], max_output_boxes_per_class?,
 * iou_threshold?, score_threshold?): i64 [selected, 3] rows (batch, class, box); at most
 * B * C * N rows (max_output_boxes_per_class is read at run time). */
int ir_infer_non_max_suppression(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *boxes = &node->inputs[0]->type, *scores = &node->inputs[1]->type;
  int64_t center;
  if (ir_expect_rank(graph, node, 0, 3, 3, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 3, 3, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 0, "NonMaxSuppression's boxes", diag) != 0 ||
      ir_expect_static_dims(graph, node, 1, 0, "NonMaxSuppression's scores", diag) != 0 ||
      ir_attr_int_default(node, "center_point_box", &center, diag) != 0 ||
      expect_scalar_input(graph, node, 2, IR_DTYPE_I64, diag) != 0 ||
      expect_scalar_input(graph, node, 3, IR_DTYPE_F32, diag) != 0 ||
      expect_scalar_input(graph, node, 4, IR_DTYPE_F32, diag) != 0)
    return -1;
  if (boxes->dtype != IR_DTYPE_F32 || scores->dtype != IR_DTYPE_F32)
    return ir_input_error(graph, diag, node, 0, "NonMaxSuppression needs f32 boxes and scores");
  if (boxes->dims[2] != 4 || scores->dims[0] != boxes->dims[0] || scores->dims[2] != boxes->dims[1])
    return ir_input_error(graph, diag, node, 1,
                          "NonMaxSuppression needs boxes [B, N, 4] and scores [B, C, N]");
  if (center != 0 && center != 1)
    return ir_node_error(diag, node, "center_point_box must be 0 or 1 (is %lld)",
                         (long long)center);
  int64_t sizes[3] = {boxes->dims[0], scores->dims[1], boxes->dims[1]}, dims[2] = {0, 3};
  if (!dl_checked_product(sizes, 3, &dims[0]))
    return ir_node_error(diag, node, "batches x classes x boxes does not fit 64 bits");
  return ir_set_output_type(node, 0, ir_type_make(IR_DTYPE_I64, 2, dims), diag);
}
