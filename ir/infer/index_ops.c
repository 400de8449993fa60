/* Inference of ops that select or assemble parts of tensors along axes:
 * Concat, Split, Slice, Gather, GatherElements, ScatterElements, ScatterND, Pad, TopK. */
#include "ir/checked_math.h"
#include "ir/infer.h"

#include <string.h>

/* Reads the `axis` attribute (its default from op_attributes.def; Concat has none, so it is
 * required there) normalized to `rank`. */
static int read_axis(ir_graph *graph, const ir_node *node, int rank, int *out, dl_diag *diag) {
  int64_t axis;
  if (ir_attr_int_default(node, "axis", &axis, diag) != 0)
    return -1;
  if (ir_normalize_axis(axis, rank, out) != 0)
    return ir_input_error(graph, diag, node, 0, "attribute 'axis' %lld is out of range",
                          (long long)axis);
  return 0;
}

/* Concat(inputs..., axis): same rank and type, equal dims except along axis. */
int ir_infer_concat(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *first = &node->inputs[0]->type;
  int axis;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      read_axis(graph, node, first->rank, &axis, diag) != 0)
    return -1;
  ir_type result = *first;
  for (int i = 1; i < node->num_inputs; i++) {
    const ir_type *next = &node->inputs[i]->type;
    if (ir_expect_same_dtype(graph, node, i, 0, diag) != 0 ||
        ir_expect_rank(graph, node, i, first->rank, first->rank, diag) != 0)
      return -1;
    for (int d = 0; d < first->rank; d++) {
      if (d != axis && next->dims[d] != first->dims[d])
        return ir_input_error(graph, diag, node, i, "Concat needs dim %d equal to input 0's", d);
    }
    if (!ir_dim_is_static(next->dims[axis]) || !ir_dim_is_static(result.dims[axis]))
      return ir_input_error(graph, diag, node, i,
                            "Concat of symbolic dims along axis %d is not supported", axis);
    if (__builtin_add_overflow(result.dims[axis], next->dims[axis], &result.dims[axis]))
      return ir_input_error(graph, diag, node, i, "the concatenated size overflows");
  }
  return ir_set_output_type(node, 0, result, diag);
}

/* Split(input, split?, axis, num_outputs): explicit sizes, or equal chunks with a
 * smaller last one. */
int ir_infer_split(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int axis, outputs = node->num_outputs;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      read_axis(graph, node, x->rank, &axis, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, axis, "Split", diag) != 0)
    return -1;
  int64_t dim = x->dims[axis], num_outputs;
  if (ir_attr_int(node, "num_outputs", outputs, &num_outputs, diag) != 0)
    return -1;
  if (num_outputs != outputs)
    return ir_node_error(diag, node,
                         "attribute 'num_outputs' is %lld but the node has %d "
                         "outputs",
                         (long long)num_outputs, outputs);
  int64_t sizes[1024];
  if (ir_node_input(node, 1)) {
    int count;
    if (ir_node_constant_ints(node, 1, sizes, 1024, &count, diag) != 0)
      return -1;
    if (count != outputs)
      return ir_node_error(diag, node, "split has %d sizes but the node has %d outputs", count,
                           outputs);
    int64_t total = 0;
    for (int i = 0; i < count; i++) {
      if (sizes[i] < 0 || sizes[i] > dim)
        return ir_node_error(diag, node, "split size %d is %lld", i, (long long)sizes[i]);
      if (__builtin_add_overflow(total, sizes[i], &total))
        return ir_node_error(diag, node, "split sizes overflow");
    }
    if (total != dim)
      return ir_input_error(graph, diag, node, 0, "split sizes add up to %lld, not %lld",
                            (long long)total, (long long)dim);
  } else {
    int64_t chunk = dim / outputs + (dim % outputs != 0);
    for (int i = 0; i < outputs; i++) {
      int64_t left = dim - chunk * i;
      sizes[i] = left < 0 ? 0 : left < chunk ? left : chunk;
    }
  }
  ir_type result = *x;
  for (int i = 0; i < outputs; i++) {
    result.dims[axis] = sizes[i];
    if (ir_set_output_type(node, i, result, diag) != 0)
      return -1;
  }
  return 0;
}

static int64_t clamp(int64_t value, int64_t low, int64_t high) {
  return value < low ? low : value > high ? high : value;
}

/* Length of one sliced axis after ONNX's clamping rules: ceil(span / |step|), computed as
 * (span - 1) / |step| + 1 so that no step (INT64_MAX, INT64_MIN) overflows. */
static int64_t slice_length(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0) /* a negative index plus a size never overflows */
    start += dim;
  if (end < 0)
    end += dim;
  int64_t span;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    span = end - start;
  } else {
    start = clamp(start, 0, dim - 1);
    end = clamp(end, -1, dim - 1);
    span = start - end;
  }
  return span > 0 ? (int64_t)((uint64_t)(span - 1) / dl_magnitude(step) + 1) : 0;
}

/* Slice(data, starts, ends, axes?, steps?): all given as constant inputs. */
int ir_infer_slice(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t starts[IR_MAX_RANK], ends[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
  int count, ends_count, axes_count, steps_count;
  if (ir_node_constant_ints(node, 1, starts, IR_MAX_RANK, &count, diag) != 0 ||
      ir_node_constant_ints(node, 2, ends, IR_MAX_RANK, &ends_count, diag) != 0)
    return -1;
  axes_count = steps_count = count;
  for (int i = 0; i < count; i++) {
    axes[i] = i;
    steps[i] = 1;
  }
  if (ir_node_input(node, 3) &&
      ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &axes_count, diag) != 0)
    return -1;
  if (ir_node_input(node, 4) &&
      ir_node_constant_ints(node, 4, steps, IR_MAX_RANK, &steps_count, diag) != 0)
    return -1;
  if (ends_count != count || axes_count != count || steps_count != count)
    return ir_node_error(diag, node,
                         "starts, ends, axes and steps have %d, %d, %d and %d "
                         "values; they must have the same number",
                         count, ends_count, axes_count, steps_count);
  if (ir_normalize_axes(node, "axes", axes, count, x->rank, diag) != 0)
    return -1;
  ir_type result = *x;
  for (int i = 0; i < count; i++) {
    int64_t dim = x->dims[axes[i]];
    if (steps[i] == 0)
      return ir_node_error(diag, node, "steps value %d is 0", i);
    if (!ir_dim_is_static(dim)) {
      /* The whole axis (start 0, end past any size, step 1) keeps its symbol. */
      if (starts[i] == 0 && steps[i] == 1 && ends[i] >= INT32_MAX)
        continue;
      return ir_input_error(graph, diag, node, 0, "Slice of symbolic axis %d needs it static",
                            (int)axes[i]);
    }
    result.dims[axes[i]] = slice_length(dim, starts[i], ends[i], steps[i]);
  }
  return ir_set_output_type(node, 0, result, diag);
}

/* ONNX's start for an axis of size `dim`: negative counts from the end, then clamped. */
static int64_t slice_start(int64_t start, int64_t dim, int64_t step) {
  if (start < 0)
    start += dim;
  return step > 0 ? clamp(start, 0, dim) : clamp(start, 0, dim - 1);
}

int ir_slice_read(const ir_node *node, int64_t *starts, int64_t *steps, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t first[IR_MAX_RANK], axes[IR_MAX_RANK], step[IR_MAX_RANK];
  int count = 0, axes_count, steps_count;
  if (ir_node_constant_ints(node, 1, first, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  axes_count = steps_count = count;
  for (int i = 0; i < count; i++)
    axes[i] = i, step[i] = 1;
  if ((ir_node_input(node, 3) &&
       ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &axes_count, diag) != 0) ||
      (ir_node_input(node, 4) &&
       ir_node_constant_ints(node, 4, step, IR_MAX_RANK, &steps_count, diag) != 0))
    return -1;
  if (axes_count != count || steps_count != count ||
      ir_normalize_axes(node, "axes", axes, count, x->rank, diag) != 0)
    return ir_node_error(diag, node, "starts, axes and steps disagree");
  for (int d = 0; d < x->rank; d++)
    starts[d] = 0, steps[d] = 1;
  for (int i = 0; i < count; i++) {
    int axis = (int)axes[i];
    if (step[i] == 0)
      return ir_node_error(diag, node, "steps value %d is 0", i);
    if (y->dims[axis] == 0)
      continue;
    starts[axis] = slice_start(first[i], x->dims[axis], step[i]);
    steps[axis] = y->dims[axis] == 1 ? 0 : step[i];
  }
  return 0;
}

/* Gather(data, indices, axis): data[:axis] + indices.shape + data[axis+1:]. */
int ir_infer_gather(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int axis;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      read_axis(graph, node, data->rank, &axis, diag) != 0)
    return -1;
  if (indices->dtype != IR_DTYPE_I64 && indices->dtype != IR_DTYPE_I32)
    return ir_input_error(graph, diag, node, 1, "Gather needs i64 or i32 indices");
  int rank = data->rank - 1 + indices->rank;
  if (rank > IR_MAX_RANK)
    return ir_input_error(graph, diag, node, 1,
                          "Gather would give rank %d; at most %d is "
                          "supported",
                          rank, IR_MAX_RANK);
  ir_type result = {.dtype = data->dtype, .rank = rank};
  int at = 0;
  for (int i = 0; i < axis; i++)
    result.dims[at++] = data->dims[i];
  for (int i = 0; i < indices->rank; i++)
    result.dims[at++] = indices->dims[i];
  for (int i = axis + 1; i < data->rank; i++)
    result.dims[at++] = data->dims[i];
  return ir_set_output_type(node, 0, result, diag);
}

/* GatherElements(data, indices): indices of data's rank, at most data's size on every axis
 * but `axis`; the output has the indices' shape and data's type. */
int ir_infer_gather_elements(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int axis;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, data->rank, data->rank, diag) != 0 ||
      read_axis(graph, node, data->rank, &axis, diag) != 0)
    return -1;
  if (indices->dtype != IR_DTYPE_I64 && indices->dtype != IR_DTYPE_I32)
    return ir_input_error(graph, diag, node, 1, "%s needs i64 or i32 indices",
                          ir_op_name(node->op));
  for (int d = 0; d < data->rank; d++)
    if (d != axis && ir_dim_is_static(indices->dims[d]) && ir_dim_is_static(data->dims[d]) &&
        indices->dims[d] > data->dims[d]) {
      char text[160];
      return ir_input_error(graph, diag, node, 1, "%s needs it no larger than data %s off axis %d",
                            ir_op_name(node->op), ir_format_type(graph, data, text, sizeof(text)),
                            axis);
    }
  ir_type result = *indices;
  result.dtype = data->dtype;
  return ir_set_output_type(node, 0, result, diag);
}

static int expect_indices(ir_graph *graph, const ir_node *node, int index, dl_diag *diag) {
  ir_dtype dtype = node->inputs[index]->type.dtype;
  if (dtype != IR_DTYPE_I64 && dtype != IR_DTYPE_I32)
    return ir_input_error(graph, diag, node, index, "%s needs i64 or i32 indices",
                          ir_op_name(node->op));
  return 0;
}

/* ScatterElements(data, indices, updates): indices and updates of one shape and data's rank;
 * the output is data with the updates written (or combined) in. */
int ir_infer_scatter_elements(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *data = &node->inputs[0]->type;
  int axis;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, data->rank, data->rank, diag) != 0 ||
      read_axis(graph, node, data->rank, &axis, diag) != 0 ||
      expect_indices(graph, node, 1, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 2, 0, diag) != 0)
    return -1;
  ir_type indices = node->inputs[1]->type;
  indices.dtype = data->dtype;
  if (!ir_type_equal(&indices, &node->inputs[2]->type)) {
    char text[160];
    return ir_input_error(graph, diag, node, 2, "%s needs the indices' shape %s",
                          ir_op_name(node->op),
                          ir_format_type(graph, &indices, text, sizeof(text)));
  }
  return ir_set_output_type(node, 0, *data, diag);
}

/* ScatterND(data, indices [..., k], updates [..., data dims k..]): each index tuple names a
 * slice of data that the matching slice of updates replaces (or is combined into). */
int ir_infer_scatter_nd(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 1, IR_MAX_RANK, diag) != 0 ||
      expect_indices(graph, node, 1, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 2, 0, diag) != 0 ||
      ir_expect_static_dims(graph, node, 1, 0, ir_op_name(node->op), diag) != 0)
    return -1;
  int64_t depth = indices->dims[indices->rank - 1];
  if (depth < 1 || depth > data->rank)
    return ir_input_error(graph, diag, node, 1, "%s needs index tuples of 1 to %d values",
                          ir_op_name(node->op), data->rank);
  ir_type updates = {.dtype = data->dtype, .rank = indices->rank - 1 + data->rank - (int)depth};
  if (updates.rank > IR_MAX_RANK)
    return ir_input_error(graph, diag, node, 1, "%s would need updates of rank %d",
                          ir_op_name(node->op), updates.rank);
  for (int d = 0; d < indices->rank - 1; d++)
    updates.dims[d] = indices->dims[d];
  for (int d = (int)depth; d < data->rank; d++)
    updates.dims[indices->rank - 1 + d - depth] = data->dims[d];
  if (!ir_type_equal(&updates, &node->inputs[2]->type)) {
    char text[160];
    return ir_input_error(graph, diag, node, 2, "%s needs updates of shape %s",
                          ir_op_name(node->op),
                          ir_format_type(graph, &updates, text, sizeof(text)));
  }
  return ir_set_output_type(node, 0, *data, diag);
}

static bool pad_mode_known(const char *mode) {
  return strcmp(mode, "constant") == 0 || strcmp(mode, "reflect") == 0 ||
         strcmp(mode, "edge") == 0 || strcmp(mode, "wrap") == 0;
}

/* Pad(data, pads, constant_value?, axes?): pads holds all begins, then all ends. */
int ir_infer_pad(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  const char *mode;
  if (ir_attr_string_default(node, "mode", &mode, diag) != 0)
    return -1;
  if (!pad_mode_known(mode))
    return ir_node_error(diag, node,
                         "attribute 'mode' is '%s'; it must be constant, reflect, "
                         "edge or wrap",
                         mode);
  int64_t pads[2 * IR_MAX_RANK], axes[IR_MAX_RANK];
  int count, axes_count = x->rank;
  if (ir_node_constant_ints(node, 1, pads, 2 * IR_MAX_RANK, &count, diag) != 0)
    return -1;
  for (int i = 0; i < x->rank; i++)
    axes[i] = i;
  if (ir_node_input(node, 3) &&
      (ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &axes_count, diag) != 0 ||
       ir_normalize_axes(node, "axes", axes, axes_count, x->rank, diag) != 0))
    return -1;
  if (count != 2 * axes_count)
    return ir_node_error(diag, node, "pads has %d values but needs %d (begin and end of %d axes)",
                         count, 2 * axes_count, axes_count);
  ir_value *fill = ir_node_input(node, 2);
  if (fill && (ir_expect_same_dtype(graph, node, 2, 0, diag) != 0))
    return -1;
  if (fill && fill->type.rank != 0 && !(fill->type.rank == 1 && fill->type.dims[0] == 1))
    return ir_input_error(graph, diag, node, 2, "Pad's constant_value must be a scalar");
  ir_type result = *x;
  for (int i = 0; i < axes_count; i++) {
    int64_t begin = pads[i], end = pads[axes_count + i], dim = x->dims[axes[i]];
    if (begin == 0 && end == 0)
      continue;
    if (!ir_dim_is_static(dim))
      return ir_input_error(graph, diag, node, 0, "Pad of symbolic axis %d needs it static",
                            (int)axes[i]);
    int64_t padded;
    if (__builtin_add_overflow(dim, begin, &padded) ||
        __builtin_add_overflow(padded, end, &padded) || padded < 0)
      return ir_node_error(diag, node, "pads %lld and %lld of axis %d give an invalid size",
                           (long long)begin, (long long)end, (int)axes[i]);
    result.dims[axes[i]] = padded;
  }
  return ir_set_output_type(node, 0, result, diag);
}

/* TopK(X, K): the K largest (or smallest) elements along `axis` and their i64 indices. K is
 * a one-element constant (a shape-deciding input). */
int ir_infer_top_k(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int axis, count = 0;
  int64_t k;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      read_axis(graph, node, x->rank, &axis, diag) != 0 ||
      ir_node_constant_ints(node, 1, &k, 1, &count, diag) != 0)
    return -1;
  if (count != 1 || k < 0 || (ir_dim_is_static(x->dims[axis]) && k > x->dims[axis]))
    return ir_input_error(graph, diag, node, 1, "%s needs one K in [0, %lld]", ir_op_name(node->op),
                          (long long)x->dims[axis]);
  ir_type values = *x;
  values.dims[axis] = k;
  ir_type indices = values;
  indices.dtype = IR_DTYPE_I64;
  if (ir_set_output_type(node, 0, values, diag) != 0)
    return -1;
  return node->num_outputs > 1 ? ir_set_output_type(node, 1, indices, diag) : 0;
}
