/* Inference of ops that rearrange a tensor's shape without touching its data order
 * beyond a permutation: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile. */
#include "ir/checked_math.h"
#include "ir/infer.h"

#include <stdio.h>
#include <string.h>

/* Static product and symbolic dims of a shape (for matching Reshape's element counts). */
typedef struct shape_content {
  int64_t static_product; /* -1 when it overflows */
  int64_t symbols[IR_MAX_RANK];
  int num_symbols;
} shape_content;

static void content_add(shape_content *content, int64_t dim) {
  if (!ir_dim_is_static(dim)) {
    content->symbols[content->num_symbols++] = dim;
    return;
  }
  if (content->static_product < 0)
    return;
  if (dim != 0 && content->static_product > INT64_MAX / dim)
    content->static_product = -1;
  else
    content->static_product *= dim;
}

/* Removes one occurrence of `symbol` from `content`; false if it has none. */
static bool content_take_symbol(shape_content *content, int64_t symbol) {
  for (int i = 0; i < content->num_symbols; i++)
    if (content->symbols[i] == symbol) {
      content->symbols[i] = content->symbols[--content->num_symbols];
      return true;
    }
  return false;
}

static int reshape_mismatch(ir_graph *graph, ir_node *node, const int64_t *shape, int count,
                            dl_diag *diag) {
  /* The requested shape is printed as given: -1 is not a dimension symbol here. */
  char text[200];
  size_t used = 0;
  text[used++] = '[';
  for (int i = 0; i < count && used < sizeof(text) - 24; i++)
    used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%lld", i ? "," : "",
                             (long long)shape[i]);
  snprintf(text + used, sizeof(text) - used, "]");
  return ir_input_error(graph, diag, node, 0, "it cannot be reshaped to %s", text);
}

/* Reshape(data, shape): 0 copies the input dim (unless allowzero), -1 is inferred. */
int ir_infer_reshape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t shape[IR_MAX_RANK], requested[IR_MAX_RANK], allowzero;
  int count, inferred = -1;
  if (ir_attr_int_default(node, "allowzero", &allowzero, diag) != 0 ||
      ir_node_constant_ints(node, 1, shape, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  memcpy(requested, shape, sizeof(shape));
  shape_content have = {.static_product = 1}, want = {.static_product = 1};
  for (int i = 0; i < x->rank; i++)
    content_add(&have, x->dims[i]);
  for (int i = 0; i < count; i++) {
    if (shape[i] == 0 && !allowzero) {
      if (i >= x->rank)
        return ir_node_error(diag, node, "shape value %d is 0 (copy) but the input has rank %d", i,
                             x->rank);
      shape[i] = x->dims[i];
    } else if (shape[i] == -1) {
      if (inferred >= 0)
        return ir_node_error(diag, node, "shape has more than one -1");
      inferred = i;
      continue;
    } else if (shape[i] < -1) {
      return ir_node_error(diag, node, "shape value %d is %lld", i, (long long)shape[i]);
    }
    content_add(&want, shape[i]);
  }
  if (have.static_product < 0 || want.static_product < 0)
    return reshape_mismatch(graph, node, requested, count, diag);
  /* Symbols copied by 0 cancel against the input's; at most one may remain, and only
   * for -1 to take over. */
  for (int i = 0; i < want.num_symbols; i++)
    if (!content_take_symbol(&have, want.symbols[i]))
      return reshape_mismatch(graph, node, requested, count, diag);
  if (inferred < 0) {
    if (have.num_symbols != 0 || have.static_product != want.static_product)
      return reshape_mismatch(graph, node, requested, count, diag);
  } else if (have.num_symbols == 1 && have.static_product == want.static_product) {
    shape[inferred] = have.symbols[0];
  } else if (have.num_symbols == 0 && want.static_product != 0 &&
             have.static_product % want.static_product == 0) {
    shape[inferred] = have.static_product / want.static_product;
  } else {
    return reshape_mismatch(graph, node, requested, count, diag);
  }
  return ir_set_output_type(node, 0, ir_type_make(x->dtype, count, shape), diag);
}

/* Product of dims [first, end) as one dim: static product, or a lone symbol among 1s. */
static bool collapse_dims(const ir_type *x, int first, int end, int64_t *out) {
  shape_content content = {.static_product = 1};
  for (int i = first; i < end; i++)
    content_add(&content, x->dims[i]);
  if (content.static_product < 0 || content.num_symbols > 1)
    return false;
  if (content.num_symbols == 1) {
    *out = content.symbols[0];
    return content.static_product == 1;
  }
  *out = content.static_product;
  return true;
}

/* Flatten(axis): (d0..d[axis-1], d[axis]..) → 2-D. */
int ir_infer_flatten(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t axis;
  if (ir_attr_int_default(node, "axis", &axis, diag) != 0)
    return -1;
  if (axis < 0)
    axis += x->rank;
  if (axis < 0 || axis > x->rank)
    return ir_input_error(graph, diag, node, 0, "attribute 'axis' is out of range");
  ir_type result = {.dtype = x->dtype, .rank = 2};
  if (!collapse_dims(x, 0, (int)axis, &result.dims[0]) ||
      !collapse_dims(x, (int)axis, x->rank, &result.dims[1]))
    return ir_input_error(graph, diag, node, 0,
                          "Flatten can merge a symbolic dimension only with dims of size 1");
  return ir_set_output_type(node, 0, result, diag);
}

/* Squeeze(data, axes?): without axes every dim of size 1 goes. */
int ir_infer_squeeze(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t axes[IR_MAX_RANK];
  int count = 0;
  bool drop[IR_MAX_RANK] = {false};
  if (ir_node_input(node, 1)) {
    if (ir_node_constant_ints(node, 1, axes, IR_MAX_RANK, &count, diag) != 0 ||
        ir_normalize_axes(node, "axes", axes, count, x->rank, diag) != 0)
      return -1;
    for (int i = 0; i < count; i++) {
      if (x->dims[axes[i]] != 1)
        return ir_input_error(graph, diag, node, 0, "Squeeze axis %d does not have size 1",
                              (int)axes[i]);
      drop[axes[i]] = true;
    }
  } else {
    for (int i = 0; i < x->rank; i++) {
      if (!ir_dim_is_static(x->dims[i]))
        return ir_input_error(graph, diag, node, 0,
                              "Squeeze without axes cannot tell whether symbolic dim %d is 1", i);
      drop[i] = x->dims[i] == 1;
    }
  }
  ir_type result = {.dtype = x->dtype};
  for (int i = 0; i < x->rank; i++)
    if (!drop[i])
      result.dims[result.rank++] = x->dims[i];
  return ir_set_output_type(node, 0, result, diag);
}

/* Unsqueeze(data, axes): axes index the output. */
int ir_infer_unsqueeze(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t axes[IR_MAX_RANK];
  int count;
  if (ir_node_constant_ints(node, 1, axes, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  int rank = x->rank + count;
  if (rank > IR_MAX_RANK)
    return ir_input_error(graph, diag, node, 0,
                          "Unsqueeze would give rank %d; at most %d is "
                          "supported",
                          rank, IR_MAX_RANK);
  if (ir_normalize_axes(node, "axes", axes, count, rank, diag) != 0)
    return -1;
  bool inserted[IR_MAX_RANK] = {false};
  for (int i = 0; i < count; i++)
    inserted[axes[i]] = true;
  ir_type result = {.dtype = x->dtype, .rank = rank};
  for (int i = 0, from = 0; i < rank; i++)
    result.dims[i] = inserted[i] ? 1 : x->dims[from++];
  return ir_set_output_type(node, 0, result, diag);
}

/* Transpose(perm): default reverses the axes. */
int ir_infer_transpose(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  const int64_t *perm;
  int count;
  if (ir_attr_ints(node, "perm", &perm, &count, diag) != 0)
    return -1;
  if (count >= 0 && count != x->rank)
    return ir_input_error(graph, diag, node, 0, "attribute 'perm' has %d values", count);
  bool used[IR_MAX_RANK] = {false};
  ir_type result = {.dtype = x->dtype, .rank = x->rank};
  for (int i = 0; i < x->rank; i++) {
    int64_t from = count >= 0 ? perm[i] : x->rank - 1 - i;
    if (from < 0 || from >= x->rank || used[from])
      return ir_node_error(diag, node, "attribute 'perm' is not a permutation of 0..%d",
                           x->rank - 1);
    used[from] = true;
    result.dims[i] = x->dims[from];
  }
  return ir_set_output_type(node, 0, result, diag);
}

/* Expand(input, shape): bidirectional broadcast of the input with a constant shape. */
int ir_infer_expand(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t shape[IR_MAX_RANK];
  int count;
  if (ir_node_constant_ints(node, 1, shape, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  for (int i = 0; i < count; i++)
    if (shape[i] < 0)
      return ir_node_error(diag, node, "shape value %d is %lld", i, (long long)shape[i]);
  ir_type target = ir_type_make(x->dtype, count, shape), result;
  if (ir_broadcast_shapes(x, &target, &result) != 0) {
    char text[160];
    return ir_input_error(graph, diag, node, 0, "it cannot be expanded to %s",
                          ir_format_type(graph, &target, text, sizeof(text)));
  }
  return ir_set_output_type(node, 0, result, diag);
}

/* Tile: dim d of the output is dim d of x times repeats[d] (one non-negative repeat per
 * axis). */
int ir_infer_tile(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t repeats[IR_MAX_RANK];
  int count;
  if (ir_node_constant_ints(node, 1, repeats, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  if (count != x->rank)
    return ir_input_error(graph, diag, node, 1, "has %d repeats for a rank-%d input", count,
                          x->rank);
  ir_type result = *x;
  for (int d = 0; d < x->rank; d++) {
    if (repeats[d] < 0)
      return ir_node_error(diag, node, "repeat %d is %lld", d, (long long)repeats[d]);
    if (!ir_dim_is_static(x->dims[d]))
      return ir_input_error(graph, diag, node, 0, "dim %d must be known at compile time", d);
    if (!dl_checked_mul(x->dims[d], repeats[d], &result.dims[d]))
      return ir_node_error(diag, node, "dim %d overflows when tiled", d);
  }
  return ir_set_output_type(node, 0, result, diag);
}
