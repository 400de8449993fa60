/* Inference of the index-driven movement ops: GatherND, OneHot, ReverseSequence,
 * TensorScatter. */
#include <string.h>

#include "ir/infer.h"

static bool is_index_dtype(ir_dtype dtype) { return dtype == IR_DTYPE_I32 || dtype == IR_DTYPE_I64; }

/* GatherND(data, indices [..., K], batch_dims b): indices' dims but the last, then data's
 * dims after b + K. */
int ir_infer_gather_nd(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int64_t batch_dims;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_static_dims(graph, node, 1, 0, "GatherND's indices", diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 0, "GatherND's data", diag) != 0 ||
      ir_attr_int_default(node, "batch_dims", &batch_dims, diag) != 0)
    return -1;
  if (!is_index_dtype(indices->dtype))
    return ir_input_error(graph, diag, node, 1, "GatherND's indices must be i32 or i64");
  int64_t tuple = indices->dims[indices->rank - 1];
  if (batch_dims < 0 || batch_dims >= indices->rank || batch_dims >= data->rank ||
      tuple < 1 || batch_dims + tuple > data->rank)
    return ir_node_error(diag, node,
                         "batch_dims %lld and index tuples of %lld do not fit data of rank %d "
                         "and indices of rank %d",
                         (long long)batch_dims, (long long)tuple, data->rank, indices->rank);
  for (int d = 0; d < batch_dims; d++)
    if (data->dims[d] != indices->dims[d])
      return ir_input_error(graph, diag, node, 1, "GatherND's batch dims differ from data's");
  ir_type result = *data;
  result.rank = 0;
  for (int d = 0; d + 1 < indices->rank; d++)
    result.dims[result.rank++] = indices->dims[d];
  for (int d = (int)(batch_dims + tuple); d < data->rank; d++)
    result.dims[result.rank++] = data->dims[d];
  return ir_set_output_type(node, 0, result, diag);
}

/* OneHot(indices, depth, values [off, on], axis): indices' dims with `depth` inserted at
 * axis, of values' type. Depth (a shape input) may be of any numeric type. */
int ir_infer_one_hot(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *indices = &node->inputs[0]->type, *values = &node->inputs[2]->type;
  int64_t axis_attr;
  int axis, count = 0;
  double depth;
  if (ir_attr_int_default(node, "axis", &axis_attr, diag) != 0)
    return -1;
  const ir_value *depth_value = node->inputs[1];
  if (ir_dtype_is_float(depth_value->type.dtype)) {
    if (ir_node_constant_floats(node, 1, &depth, 1, &count, diag) != 0)
      return -1;
  } else {
    int64_t whole;
    if (ir_node_constant_ints(node, 1, &whole, 1, &count, diag) != 0)
      return -1;
    depth = (double)whole;
  }
  if (count != 1 || !(depth >= 1) || depth > 1e12)
    return ir_input_error(graph, diag, node, 1, "OneHot needs one positive depth");
  if (values->rank != 1 || values->dims[0] != 2)
    return ir_input_error(graph, diag, node, 2, "OneHot's values must be [off, on]");
  if (indices->rank + 1 > IR_MAX_RANK || ir_normalize_axis(axis_attr, indices->rank + 1, &axis) != 0)
    return ir_node_error(diag, node, "axis %lld is out of range", (long long)axis_attr);
  ir_type result = *indices;
  result.dtype = values->dtype;
  result.rank = indices->rank + 1;
  for (int d = result.rank - 1; d > axis; d--)
    result.dims[d] = indices->dims[d - 1];
  result.dims[axis] = (int64_t)depth;
  return ir_set_output_type(node, 0, result, diag);
}

/* ReverseSequence(x, sequence_lens [batch], batch_axis, time_axis): x's type. */
int ir_infer_reverse_sequence(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *lengths = &node->inputs[1]->type;
  int64_t batch_axis, time_axis;
  if (ir_expect_rank(graph, node, 0, 2, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 1, 1, diag) != 0 ||
      ir_attr_int_default(node, "batch_axis", &batch_axis, diag) != 0 ||
      ir_attr_int_default(node, "time_axis", &time_axis, diag) != 0)
    return -1;
  if ((batch_axis != 0 && batch_axis != 1) || (time_axis != 0 && time_axis != 1) ||
      batch_axis == time_axis)
    return ir_node_error(diag, node, "batch_axis and time_axis must be 0 and 1 or 1 and 0");
  if (!is_index_dtype(lengths->dtype) || lengths->dims[0] != x->dims[batch_axis])
    return ir_input_error(graph, diag, node, 1,
                          "ReverseSequence needs one i32 or i64 length per batch");
  return ir_set_output_type(node, 0, *x, diag);
}

/* TensorScatter(past_cache, update, write_indices?, axis, mode): past_cache's type. */
int ir_infer_tensor_scatter(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *past = &node->inputs[0]->type, *update = &node->inputs[1]->type;
  int64_t axis_attr;
  int axis;
  const char *mode;
  if (ir_expect_rank(graph, node, 0, 2, IR_MAX_RANK, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 1, 0, diag) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attr, diag) != 0 ||
      ir_attr_string_default(node, "mode", &mode, diag) != 0)
    return -1;
  if (strcmp(mode, "linear") != 0 && strcmp(mode, "circular") != 0)
    return ir_node_error(diag, node, "mode '%s' is not linear or circular", mode);
  if (ir_normalize_axis(axis_attr, past->rank, &axis) != 0 || axis == 0)
    return ir_node_error(diag, node, "axis %lld is out of range (or the batch axis)",
                         (long long)axis_attr);
  bool fits = update->rank == past->rank;
  for (int d = 0; fits && d < past->rank; d++)
    fits = d == axis ? update->dims[d] <= past->dims[d] : update->dims[d] == past->dims[d];
  if (!fits)
    return ir_input_error(graph, diag, node, 1,
                          "TensorScatter's update must match the cache but along the axis");
  const ir_value *indices = ir_node_input(node, 2);
  if (indices && (!is_index_dtype(indices->type.dtype) || indices->type.rank != 1 ||
                  indices->type.dims[0] != past->dims[0]))
    return ir_input_error(graph, diag, node, 2,
                          "TensorScatter's write_indices must be one i32 or i64 per batch");
  return ir_set_output_type(node, 0, *past, diag);
}
