/* Shape arithmetic shared by inference: broadcasting, axis normalization and the
 * overflow-checked setting of output types. */
#include "ir/infer.h"

#include "ir/checked_math.h"
#include "ir/limits.h"

/* One broadcast dimension; false when the two cannot be broadcast together. A symbol
 * against 1 or itself stays the symbol; against a static N > 1 it must be N or 1 at run
 * time, and either way the result is N. */
static bool broadcast_dim(int64_t a, int64_t b, int64_t *out) {
  if (a == b || b == 1) {
    *out = a;
    return true;
  }
  if (a == 1) {
    *out = b;
    return true;
  }
  if (!ir_dim_is_static(a) && ir_dim_is_static(b) && b != 0) {
    *out = b;
    return true;
  }
  if (!ir_dim_is_static(b) && ir_dim_is_static(a) && a != 0) {
    *out = a;
    return true;
  }
  return false;
}

int ir_broadcast_shapes(const ir_type *a, const ir_type *b, ir_type *out) {
  if (a->rank < 0 || a->rank > IR_MAX_RANK || b->rank < 0 || b->rank > IR_MAX_RANK)
    return -1;
  ir_type result = {.dtype = a->dtype, .rank = a->rank > b->rank ? a->rank : b->rank};
  for (int i = 0; i < result.rank; i++) {
    /* Align from the right: missing leading dims count as 1. */
    int at_a = a->rank - result.rank + i, at_b = b->rank - result.rank + i;
    int64_t dim_a = at_a >= 0 ? a->dims[at_a] : 1;
    int64_t dim_b = at_b >= 0 ? b->dims[at_b] : 1;
    if (!broadcast_dim(dim_a, dim_b, &result.dims[i]))
      return -1;
  }
  *out = result;
  return 0;
}

int ir_normalize_axis(int64_t axis, int rank, int *out) {
  if (axis < -(int64_t)rank || axis >= rank)
    return -1;
  *out = (int)(axis < 0 ? axis + rank : axis);
  return 0;
}

int ir_set_output_type(const ir_node *node, int index, ir_type type, dl_diag *diag) {
  if (index < 0 || index >= node->num_outputs)
    return ir_node_error(diag, node, "has no output %d", index);
  if (type.dtype <= IR_DTYPE_INVALID || type.dtype >= IR_DTYPE_COUNT)
    return ir_node_error(diag, node, "output %d would have an invalid element type", index);
  if (type.rank < 0 || type.rank > IR_MAX_RANK)
    return ir_node_error(diag, node, "output %d would have rank %d; at most %d is supported", index,
                         type.rank, IR_MAX_RANK);
  /* Static dims times the element's bits must fit in int64 (symbolic dims count as 1;
   * the runtime checks their product against real sizes; a 0 makes any product 0). Bits, not
   * bytes: packed 4- and 2-bit types have no whole-byte size to multiply by. */
  int64_t sizes[IR_MAX_RANK + 1] = {(int64_t)ir_dtype_bits(type.dtype)}, bits = 0;
  for (int i = 0; i < type.rank; i++)
    sizes[i + 1] = ir_dim_is_static(type.dims[i]) ? type.dims[i] : 1;
  bool fits = dl_checked_product(sizes, type.rank + 1, &bits) && bits <= INT64_MAX - 7;
  int64_t bytes = (bits + 7) / 8;
  if (!fits) {
    char text[160];
    return ir_node_error(diag, node, "output %d would have type %s whose byte size overflows",
                         index, ir_format_type(NULL, &type, text, sizeof(text)));
  }
  if (ir_type_is_static(&type) && !dl_limits_tensor_fits(bytes)) {
    char text[160];
    return ir_node_error(diag, node, "output %d of type %s: " DL_TENSOR_LIMIT_FORMAT, index,
                         ir_format_type(NULL, &type, text, sizeof(text)),
                         DL_TENSOR_LIMIT_ARGS(bytes));
  }
  for (int i = type.rank; i < IR_MAX_RANK; i++)
    type.dims[i] = 0; /* so equal types compare equal byte for byte */
  node->outputs[index]->type = type;
  return 0;
}

int ir_normalize_axes(const ir_node *node, const char *what, int64_t *axes, int count, int rank,
                      dl_diag *diag) {
  bool seen[IR_MAX_RANK] = {false};
  for (int i = 0; i < count; i++) {
    int axis;
    if (rank > IR_MAX_RANK || ir_normalize_axis(axes[i], rank, &axis) != 0)
      return ir_node_error(diag, node, "%s value %lld is out of range for rank %d", what,
                           (long long)axes[i], rank);
    if (seen[axis])
      return ir_node_error(diag, node, "%s names axis %d twice", what, axis);
    seen[axis] = true;
    axes[i] = axis;
  }
  return 0;
}
