/* Element computations of constant folding: each output element is computed from its
 * coordinates (outputs are small, so clarity wins over speed). */
#include "ir/fold_ops.h"
#include "ir/infer.h"

#include <math.h>
#include <string.h>

static void unravel(const ir_type *type, int64_t linear, int64_t *coords) {
  for (int i = type->rank - 1; i >= 0; i--) {
    coords[i] = type->dims[i] ? linear % type->dims[i] : 0;
    linear = type->dims[i] ? linear / type->dims[i] : 0;
  }
}

static int64_t ravel(const ir_type *type, const int64_t *coords) {
  int64_t linear = 0;
  for (int i = 0; i < type->rank; i++)
    linear = linear * type->dims[i] + coords[i];
  return linear;
}

/* Linear index into `source` of the element that broadcasts to `coords` of `out`. */
static int64_t broadcast_index(const ir_type *source, const ir_type *out, const int64_t *coords) {
  int64_t linear = 0;
  for (int i = 0; i < source->rank; i++) {
    int64_t dim = source->dims[i];
    int64_t coord = dim == 1 ? 0 : coords[out->rank - source->rank + i];
    linear = linear * dim + coord;
  }
  return linear;
}

static void copy_element(ir_dtype dtype, void *out, int64_t out_index, const void *in,
                         int64_t in_index) {
  ir_element_copy(dtype, out, out_index, in, in_index);
}

static int64_t element_count(const ir_type *type) {
  int64_t count = 0;
  ir_type_element_count(type, &count);
  return count;
}

static const ir_type *input_type(const ir_node *node, int index) {
  return &node->inputs[index]->type;
}

/* Mod's integer remainder: the sign of the divisor (fmod 0, Python's %) or of the dividend
 * (fmod 1, C's %). */
static int64_t int_mod(int64_t a, int64_t b, bool c_style) {
  int64_t r = a % b;
  if (!c_style && r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

/* Integer arithmetic wraps (through uint64_t) instead of overflowing. Returns false
 * for a division that cannot be folded. Bools are the integers 0 and 1. */
static bool apply_int(const ir_node *node, int64_t a, int64_t b, int64_t *out) {
  switch (node->op) {
  case IR_OP_ADD:
    *out = (int64_t)((uint64_t)a + (uint64_t)b);
    return true;
  case IR_OP_SUB:
    *out = (int64_t)((uint64_t)a - (uint64_t)b);
    return true;
  case IR_OP_MUL:
    *out = (int64_t)((uint64_t)a * (uint64_t)b);
    return true;
  case IR_OP_DIV:
  case IR_OP_MOD: {
    if (b == 0 || (a == INT64_MIN && b == -1))
      return false;
    int64_t fmod = 0;
    if (node->op == IR_OP_MOD && ir_attr_int_default(node, "fmod", &fmod, NULL) != 0)
      return false;
    *out = node->op == IR_OP_DIV ? a / b /* truncation, as C and onnxruntime do */
                                 : int_mod(a, b, fmod != 0);
    return true;
  }
  case IR_OP_EQUAL:
    *out = a == b;
    return true;
  case IR_OP_GREATER:
    *out = a > b;
    return true;
  case IR_OP_LESS:
    *out = a < b;
    return true;
  case IR_OP_MAX:
    *out = a > b ? a : b;
    return true;
  case IR_OP_MIN:
    *out = a < b ? a : b;
    return true;
  case IR_OP_AND:
    *out = a && b;
    return true;
  case IR_OP_OR:
    *out = a || b;
    return true;
  case IR_OP_XOR:
    *out = !a != !b;
    return true;
  case IR_OP_NOT:
    *out = !a;
    return true;
  default:
    return false;
  }
}

/* Float arithmetic in double, rounded to the output type by the store. Returns false for an
 * op that has no float fold here. */
static bool apply_float(ir_op op, double a, double b, double *out) {
  switch (op) {
  case IR_OP_ADD:
    *out = a + b;
    return true;
  case IR_OP_SUB:
    *out = a - b;
    return true;
  case IR_OP_MUL:
    *out = a * b;
    return true;
  case IR_OP_DIV:
    *out = a / b;
    return true;
  case IR_OP_EQUAL:
    *out = a == b;
    return true;
  case IR_OP_GREATER:
    *out = a > b;
    return true;
  case IR_OP_LESS:
    *out = a < b;
    return true;
  default:
    return false; /* Max/Min's NaN rules and Mod stay with the kernels */
  }
}

/* An elementwise op over broadcast inputs, folded left to right (Max and Min take any number
 * of inputs, Not one). Comparisons read their inputs' type, not the bool output's. */
static int fold_elementwise(const ir_node *node, const ir_type *out_type, void *out) {
  const ir_value *first = node->inputs[0];
  bool is_float = ir_dtype_is_float(first->type.dtype);
  int64_t coords[IR_MAX_RANK];
  for (int64_t i = 0; i < element_count(out_type); i++) {
    unravel(out_type, i, coords);
    int64_t at = broadcast_index(&first->type, out_type, coords);
    double float_value = is_float ? ir_element_get_float(first->type.dtype, first->data, at) : 0;
    int64_t int_value = is_float ? 0 : ir_element_get_int(first->type.dtype, first->data, at);
    if (node->num_inputs == 1 && node->op == IR_OP_NOT)
      int_value = !int_value;
    for (int k = 1; k < node->num_inputs; k++) {
      const ir_value *next = node->inputs[k];
      at = broadcast_index(&next->type, out_type, coords);
      if (is_float
              ? !apply_float(node->op, float_value,
                             ir_element_get_float(next->type.dtype, next->data, at), &float_value)
              : !apply_int(node, int_value, ir_element_get_int(next->type.dtype, next->data, at),
                           &int_value))
        return 0;
    }
    if (is_float && !ir_dtype_is_float(out_type->dtype))
      ir_element_set_int(out_type->dtype, out, i, float_value != 0);
    else if (is_float)
      ir_element_set_float(out_type->dtype, out, i, float_value);
    else
      ir_element_set_int(out_type->dtype, out, i, int_value);
  }
  return 1;
}

static int fold_where(const ir_node *node, const ir_type *out_type, void *out) {
  int64_t coords[IR_MAX_RANK];
  for (int64_t i = 0; i < element_count(out_type); i++) {
    unravel(out_type, i, coords);
    const ir_value *condition = node->inputs[0];
    bool take_x = ir_element_get_int(IR_DTYPE_BOOL, condition->data,
                                     broadcast_index(&condition->type, out_type, coords));
    const ir_value *chosen = node->inputs[take_x ? 1 : 2];
    copy_element(out_type->dtype, out, i, chosen->data,
                 broadcast_index(&chosen->type, out_type, coords));
  }
  return 1;
}

static int fold_expand(const ir_node *node, const ir_type *out_type, void *out) {
  int64_t coords[IR_MAX_RANK];
  const ir_value *x = node->inputs[0];
  for (int64_t i = 0; i < element_count(out_type); i++) {
    unravel(out_type, i, coords);
    copy_element(out_type->dtype, out, i, x->data, broadcast_index(&x->type, out_type, coords));
  }
  return 1;
}

static int fold_cast(const ir_node *node, const ir_type *out_type, void *out) {
  const ir_value *x = node->inputs[0];
  int64_t saturate = 1;
  const char *round = "up";
  ir_round_mode mode = IR_ROUND_UP;
  ir_attr_int_default(node, "saturate", &saturate, NULL);
  ir_attr_string_default(node, "round_mode", &round, NULL); /* checked by inference */
  ir_round_mode_from_name(round, &mode);
  for (int64_t i = 0; i < element_count(out_type); i++) {
    if (out_type->dtype == IR_DTYPE_F8E8M0) /* rounds as round_mode says, from f32 */
      ((uint8_t *)out)[i] = (uint8_t)ir_e8m0_from_f32(
          (float)ir_element_get_float(x->type.dtype, x->data, i), saturate != 0, mode);
    else if (ir_dtype_is_float(x->type.dtype))
      ir_element_set_float_cast(out_type->dtype, out, i,
                                ir_element_get_float(x->type.dtype, x->data, i), saturate != 0);
    else if (x->type.dtype == IR_DTYPE_U64 && ir_dtype_is_float(out_type->dtype))
      ir_element_set_float(out_type->dtype, out, i,
                           ir_element_get_float(x->type.dtype, x->data, i));
    else
      ir_element_set_int(out_type->dtype, out, i, ir_element_get_int(x->type.dtype, x->data, i));
  }
  return 1;
}

static int fold_shape(const ir_node *node, const ir_type *out_type, void *out) {
  const ir_type *x = input_type(node, 0);
  int64_t start = 0;
  ir_attr_int_default(node, "start", &start, NULL);
  start = start < 0 ? start + x->rank : start;
  start = start < 0 ? 0 : start > x->rank ? x->rank : start;
  for (int64_t i = 0; i < out_type->dims[0]; i++)
    ir_element_set_int(IR_DTYPE_I64, out, i, x->dims[start + i]);
  return 1;
}

/* Neg: integers wrap (through uint64_t), like the kernels. */
/* One-input arithmetic: Neg, Abs, Relu, Ceil, Floor (integers: the last two keep x), and
 * the float-only Sqrt and Reciprocal (computed in double and rounded once to the output's
 * type: the correctly rounded result, as IEEE's sqrt and division give it). */
static double unary_float(ir_op op, double x) {
  switch (op) {
  case IR_OP_SQRT:
    return sqrt(x);
  case IR_OP_RECIPROCAL:
    return 1.0 / x;
  case IR_OP_NEG:
    return -x;
  case IR_OP_ABS:
    return fabs(x);
  case IR_OP_RELU:
    return x < 0 ? 0.0 : x; /* NaN passes */
  case IR_OP_CEIL:
    return ceil(x);
  default:
    return floor(x);
  }
}

static int64_t unary_int(ir_op op, int64_t x, bool is_signed) {
  uint64_t negated = 0 - (uint64_t)x; /* wraps like the kernels: -INT64_MIN is INT64_MIN */
  if (!is_signed && op != IR_OP_NEG)
    return x; /* never negative */
  switch (op) {
  case IR_OP_NEG:
    return (int64_t)negated;
  case IR_OP_ABS:
    return x < 0 ? (int64_t)negated : x;
  case IR_OP_RELU:
    return x < 0 ? 0 : x;
  default:
    return x;
  }
}

static int fold_unary(const ir_node *node, const ir_type *out_type, void *out) {
  const ir_value *x = node->inputs[0];
  bool is_float = ir_dtype_is_float(x->type.dtype);
  bool is_signed = ir_dtype_is_signed(x->type.dtype);
  for (int64_t i = 0; i < element_count(out_type); i++) {
    if (is_float)
      ir_element_set_float(out_type->dtype, out, i,
                           unary_float(node->op, ir_element_get_float(x->type.dtype, x->data, i)));
    else
      ir_element_set_int(
          out_type->dtype, out, i,
          unary_int(node->op, ir_element_get_int(x->type.dtype, x->data, i), is_signed));
  }
  return 1;
}

/* Output `index` of Split: the outputs' extents along the axis (already inferred) follow
 * each other in the input. */
static int fold_split(const ir_node *node, int index, const ir_type *out_type, void *out) {
  const ir_value *x = node->inputs[0];
  int64_t axis_attr = 0;
  int axis = 0;
  ir_attr_int_default(node, "axis", &axis_attr, NULL);
  ir_normalize_axis(axis_attr, x->type.rank, &axis);
  int64_t offset = 0, outer = 1, inner = 1;
  for (int k = 0; k < index; k++)
    offset += node->outputs[k]->type.dims[axis];
  for (int d = 0; d < axis; d++)
    outer *= x->type.dims[d];
  for (int d = axis + 1; d < x->type.rank; d++)
    inner *= x->type.dims[d];
  int64_t length = out_type->dims[axis] * inner, stride = x->type.dims[axis] * inner;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < length; i++)
      copy_element(x->type.dtype, out, o * length + i, x->data, o * stride + offset * inner + i);
  return 1;
}

static int fold_size(const ir_node *node, void *out) {
  int64_t count = element_count(input_type(node, 0));
  ir_element_set_int(IR_DTYPE_I64, out, 0, count);
  return 1;
}

static int fold_gather(const ir_node *node, const ir_type *out_type, void *out, dl_diag *diag) {
  const ir_value *data = node->inputs[0], *indices = node->inputs[1];
  int64_t axis_attr = 0;
  int axis = 0;
  ir_attr_int_default(node, "axis", &axis_attr, NULL);
  ir_normalize_axis(axis_attr, data->type.rank, &axis);
  int64_t coords[IR_MAX_RANK], source[IR_MAX_RANK];
  int q = indices->type.rank;
  int64_t dim = data->type.dims[axis];
  for (int64_t i = 0; i < element_count(out_type); i++) {
    unravel(out_type, i, coords);
    int64_t index_coords[IR_MAX_RANK];
    for (int d = 0; d < q; d++)
      index_coords[d] = coords[axis + d];
    int64_t index =
        ir_element_get_int(indices->type.dtype, indices->data, ravel(&indices->type, index_coords));
    if (index < -dim || index >= dim)
      return ir_node_error(diag, node, "index %lld is out of range for axis %d of size %lld",
                           (long long)index, axis, (long long)dim);
    for (int d = 0; d < axis; d++)
      source[d] = coords[d];
    source[axis] = index < 0 ? index + dim : index;
    for (int d = axis + 1; d < data->type.rank; d++)
      source[d] = coords[d - 1 + q];
    copy_element(out_type->dtype, out, i, data->data, ravel(&data->type, source));
  }
  return 1;
}

static int fold_concat(const ir_node *node, const ir_type *out_type, void *out) {
  int64_t axis_attr = 0;
  int axis = 0;
  ir_attr_int_default(node, "axis", &axis_attr, NULL);
  ir_normalize_axis(axis_attr, out_type->rank, &axis);
  int64_t coords[IR_MAX_RANK];
  for (int64_t i = 0; i < element_count(out_type); i++) {
    unravel(out_type, i, coords);
    int input = 0;
    while (coords[axis] >= node->inputs[input]->type.dims[axis])
      coords[axis] -= node->inputs[input++]->type.dims[axis];
    const ir_value *x = node->inputs[input];
    copy_element(out_type->dtype, out, i, x->data, ravel(&x->type, coords));
  }
  return 1;
}

/* First element index of a slice along an axis, clamped like the ONNX spec. */
static int64_t slice_start(int64_t dim, int64_t start, int64_t step) {
  if (start < 0)
    start += dim;
  if (step > 0)
    return start < 0 ? 0 : start > dim ? dim : start;
  return start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
}

static int fold_slice(const ir_node *node, const ir_type *out_type, void *out, dl_diag *diag) {
  const ir_value *x = node->inputs[0];
  int64_t starts[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
  int count, unused;
  if (ir_node_constant_ints(node, 1, starts, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  for (int i = 0; i < count; i++) {
    axes[i] = i;
    steps[i] = 1;
  }
  if ((ir_node_input(node, 3) &&
       ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &unused, diag) != 0) ||
      (ir_node_input(node, 4) &&
       ir_node_constant_ints(node, 4, steps, IR_MAX_RANK, &unused, diag) != 0))
    return -1;
  int64_t first[IR_MAX_RANK] = {0}, stride[IR_MAX_RANK];
  for (int d = 0; d < IR_MAX_RANK; d++)
    stride[d] = 1;
  for (int i = 0; i < count; i++) {
    int axis = (int)(axes[i] < 0 ? axes[i] + x->type.rank : axes[i]);
    first[axis] = slice_start(x->type.dims[axis], starts[i], steps[i]);
    stride[axis] = steps[i];
  }
  int64_t coords[IR_MAX_RANK];
  for (int64_t i = 0; i < element_count(out_type); i++) {
    unravel(out_type, i, coords);
    for (int d = 0; d < out_type->rank; d++)
      coords[d] = first[d] + coords[d] * stride[d];
    copy_element(out_type->dtype, out, i, x->data, ravel(&x->type, coords));
  }
  return 1;
}

static int fold_range(const ir_node *node, const ir_type *out_type, void *out) {
  ir_dtype dtype = out_type->dtype;
  const void *start = node->inputs[0]->data, *delta = node->inputs[2]->data;
  for (int64_t i = 0; i < out_type->dims[0]; i++) {
    if (ir_dtype_is_float(dtype))
      ir_element_set_float(dtype, out, i,
                           ir_element_get_float(dtype, start, 0) +
                               (double)i * ir_element_get_float(dtype, delta, 0));
    else
      ir_element_set_int(dtype, out, i,
                         (int64_t)((uint64_t)ir_element_get_int(dtype, start, 0) +
                                   (uint64_t)i * (uint64_t)ir_element_get_int(dtype, delta, 0)));
  }
  return 1;
}

static int fold_constant_of_shape(const ir_node *node, const ir_type *out_type, void *out) {
  const ir_attr *value = ir_node_attr(node, "value");
  for (int64_t i = 0; i < element_count(out_type); i++) {
    if (value && value->kind == IR_ATTR_INT)
      ir_element_set_int(out_type->dtype, out, i, value->as.i);
    else
      ir_element_set_float(out_type->dtype, out, i, value ? value->as.f : 0.0);
  }
  return 1;
}

bool ir_fold_supports(ir_op op) {
  switch (op) {
  case IR_OP_IDENTITY:
  case IR_OP_RESHAPE:
  case IR_OP_SQUEEZE:
  case IR_OP_UNSQUEEZE:
  case IR_OP_CAST:
  case IR_OP_EXPAND:
  case IR_OP_ADD:
  case IR_OP_SUB:
  case IR_OP_MUL:
  case IR_OP_DIV:
  case IR_OP_EQUAL:
  case IR_OP_GREATER:
  case IR_OP_LESS:
  case IR_OP_MOD:
  case IR_OP_MAX:
  case IR_OP_MIN:
  case IR_OP_AND:
  case IR_OP_OR:
  case IR_OP_XOR:
  case IR_OP_NOT:
  case IR_OP_WHERE:
  case IR_OP_SHAPE:
  case IR_OP_SIZE:
  case IR_OP_NEG:
  case IR_OP_ABS:
  case IR_OP_RELU:
  case IR_OP_CEIL:
  case IR_OP_FLOOR:
  case IR_OP_SQRT:
  case IR_OP_RECIPROCAL:
  case IR_OP_GATHER:
  case IR_OP_CONCAT:
  case IR_OP_SPLIT:
  case IR_OP_SLICE:
  case IR_OP_RANGE:
  case IR_OP_CONSTANT_OF_SHAPE:
    return true;
  default:
    return false;
  }
}

int ir_fold_compute(const ir_graph *graph, const ir_node *node, int index, void *out,
                    dl_diag *diag) {
  const ir_type *out_type = &node->outputs[index]->type;
  switch (node->op) {
  case IR_OP_IDENTITY:
  case IR_OP_RESHAPE:
  case IR_OP_SQUEEZE:
  case IR_OP_UNSQUEEZE: {
    /* Same elements in the same order; only the shape changes. */
    int64_t bytes = 0;
    ir_type_byte_size(out_type, &bytes);
    memcpy(out, node->inputs[0]->data, (size_t)bytes);
    return 1;
  }
  case IR_OP_CAST:
    return fold_cast(node, out_type, out);
  case IR_OP_EXPAND:
    return fold_expand(node, out_type, out);
  case IR_OP_WHERE:
    return fold_where(node, out_type, out);
  case IR_OP_SHAPE:
    return fold_shape(node, out_type, out);
  case IR_OP_SIZE:
    return fold_size(node, out);
  case IR_OP_NEG:
  case IR_OP_ABS:
  case IR_OP_RELU:
  case IR_OP_CEIL:
  case IR_OP_FLOOR:
  case IR_OP_SQRT:
  case IR_OP_RECIPROCAL:
    return fold_unary(node, out_type, out);
  case IR_OP_GATHER:
    return fold_gather(node, out_type, out, diag);
  case IR_OP_CONCAT:
    return fold_concat(node, out_type, out);
  case IR_OP_SPLIT:
    return fold_split(node, index, out_type, out);
  case IR_OP_SLICE:
    return fold_slice(node, out_type, out, diag);
  case IR_OP_RANGE:
    return fold_range(node, out_type, out);
  case IR_OP_CONSTANT_OF_SHAPE:
    return fold_constant_of_shape(node, out_type, out);
  default:
    if (ir_fold_supports(node->op))
      return fold_elementwise(node, out_type, out);
    return 0;
  }
}
