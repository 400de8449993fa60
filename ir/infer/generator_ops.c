/* Inference of ops whose output shape comes from constants or from another tensor's
 * shape: Shape, Size, Range, ConstantOfShape. */
#include "ir/infer.h"

#include <math.h>

/* Shape(data, start?, end?): 1-D i64 of the selected dims. */
int ir_infer_shape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int rank = node->inputs[0]->type.rank;
  int64_t start, end;
  if (ir_attr_int_default(node, "start", &start, diag) != 0 ||
      ir_attr_int(node, "end", rank, &end, diag) != 0)
    return -1;
  /* Negative values count from the end; both are clamped to [0, rank]. */
  start = start < 0 ? start + rank : start;
  end = end < 0 ? end + rank : end;
  start = start < 0 ? 0 : start > rank ? rank : start;
  end = end < 0 ? 0 : end > rank ? rank : end;
  int64_t length = end > start ? end - start : 0;
  return ir_set_output_type(node, 0, ir_type_make(IR_DTYPE_I64, 1, &length), diag);
}

/* Size(data): the element count as an i64 scalar. */
int ir_infer_size(ir_graph *graph, ir_node *node, dl_diag *diag) {
  (void)graph;
  return ir_set_output_type(node, 0, ir_type_scalar(IR_DTYPE_I64), diag);
}

/* Reads a one-element constant input (Range's start, limit, delta). */
static int read_scalar(ir_graph *graph, const ir_node *node, int index, double *out_float,
                       int64_t *out_int, dl_diag *diag) {
  ir_value *input = node->inputs[index];
  if (input->type.rank > 1 || (input->type.rank == 1 && input->type.dims[0] != 1))
    return ir_input_error(graph, diag, node, index, "Range needs a scalar");
  if (input->kind != IR_VALUE_CONSTANT || !input->data)
    return ir_node_error(diag, node,
                         "input %d '%s' must be a constant (dlcc needs it at compile time to "
                         "know the output length) but is computed at run time",
                         index, input->name);
  *out_float = ir_element_get_float(input->type.dtype, input->data, 0);
  *out_int = ir_element_get_int(input->type.dtype, input->data, 0);
  return 0;
}

/* Range(start, limit, delta): max(ceil((limit - start) / delta), 0) elements. */
int ir_infer_range(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_dtype dtype = node->inputs[0]->type.dtype;
  if (dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "Range needs a numeric type");
  double values[3];
  int64_t ints[3];
  for (int i = 0; i < 3; i++)
    if ((i > 0 && ir_expect_same_dtype(graph, node, i, 0, diag) != 0) ||
        read_scalar(graph, node, i, &values[i], &ints[i], diag) != 0)
      return -1;
  int64_t length;
  if (ir_dtype_is_float(dtype)) {
    double count = ceil((values[1] - values[0]) / values[2]);
    if (values[2] == 0 || !isfinite(count) || count > 9.0e15)
      return ir_node_error(diag, node, "Range(%g, %g, %g) has no finite length", values[0],
                           values[1], values[2]);
    length = count > 0 ? (int64_t)count : 0;
  } else {
    if (ints[2] == 0)
      return ir_node_error(diag, node, "Range's delta is 0");
    /* Differences of int64 values can overflow; go through __int128. */
    __int128 span = (__int128)ints[1] - ints[0], step = ints[2];
    __int128 count = span / step + (span % step != 0 && (span > 0) == (step > 0));
    if (count > INT64_MAX)
      return ir_node_error(diag, node, "Range has too many elements");
    length = count > 0 ? (int64_t)count : 0;
  }
  return ir_set_output_type(node, 0, ir_type_make(dtype, 1, &length), diag);
}

/* ConstantOfShape(shape): ONNX's `value` tensor attribute is held as a float or int
 * attribute `value`, with an optional `dtype` attribute for its element type
 * (default: f32 for a float value or no value, i64 for an int value). */
int ir_infer_constant_of_shape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int64_t shape[IR_MAX_RANK];
  int count;
  if (ir_expect_rank(graph, node, 0, 1, 1, diag) != 0 ||
      ir_node_constant_ints(node, 0, shape, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  for (int i = 0; i < count; i++)
    if (shape[i] < 0)
      return ir_node_error(diag, node, "shape value %d is %lld", i, (long long)shape[i]);
  const ir_attr *value = ir_node_attr(node, "value");
  ir_dtype fallback = IR_DTYPE_F32, dtype;
  if (value && value->kind == IR_ATTR_INT)
    fallback = IR_DTYPE_I64;
  else if (value && value->kind != IR_ATTR_FLOAT)
    return ir_node_error(diag, node, "attribute 'value' is %s but must be float or int",
                         ir_attr_kind_name(value->kind));
  if (ir_attr_dtype(node, "dtype", fallback, &dtype, diag) != 0)
    return -1;
  return ir_set_output_type(node, 0, ir_type_make(dtype, count, shape), diag);
}
