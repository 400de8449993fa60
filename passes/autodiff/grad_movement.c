/* Gradient rules of the ops that move elements: views (Reshape, Flatten, Squeeze, Unsqueeze),
 * Transpose, Concat, Split, Slice, Pad, Expand and Gather. Each is the adjoint movement: the
 * gradient goes back to where the element came from, summed where several outputs read one
 * input element (Expand, Gather). */
#include <string.h>

#include "ir/infer.h"
#include "passes/autodiff/grad.h"

/* Reshape, Flatten, Squeeze, Unsqueeze: the gradient with the input's dims. */
int grad_reshape(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_reshape(ctx, output_grads[0], &ad_input(ctx, 0)->type);
  return ad_status(ctx);
}

int grad_transpose(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  const ir_node *node = ctx->node;
  int rank = ad_input(ctx, 0)->type.rank, count = 0;
  const int64_t *perm = NULL;
  int64_t inverse[IR_MAX_RANK];
  if (ir_attr_ints(node, "perm", &perm, &count, ctx->build.diag) != 0)
    return -1;
  for (int d = 0; d < rank; d++) /* no perm: the axes reversed */
    inverse[count < 0 ? rank - 1 - d : perm[d]] = d;
  input_grads[0] = ir_build_transpose(&ctx->build, output_grads[0], inverse, rank);
  return ad_status(ctx);
}

static int axis_attribute(grad_context *ctx, int rank, int *out_axis) {
  int64_t axis = 0;
  if (ir_attr_int(ctx->node, "axis", 0, &axis, ctx->build.diag) != 0 ||
      ir_normalize_axis(axis, rank, out_axis) != 0)
    return ad_error(ctx, "axis %lld is out of range", (long long)axis);
  return 0;
}

/* Concat: the gradient split into the inputs' sizes along the axis. */
int grad_concat(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  const ir_node *node = ctx->node;
  int axis, count = node->num_inputs;
  if (axis_attribute(ctx, ad_input(ctx, 0)->type.rank, &axis) != 0)
    return -1;
  if (count == 1) {
    input_grads[0] = output_grads[0];
    return 0;
  }
  int64_t sizes[1024];
  for (int k = 0; k < count; k++)
    sizes[k] = node->inputs[k]->type.dims[axis];
  ir_value *inputs[2] = {output_grads[0], ir_build_ints(&ctx->build, sizes, count)};
  ir_node *split = ir_build_start_outputs(&ctx->build, IR_OP_SPLIT, inputs, 2, count);
  ir_build_set_int(&ctx->build, split, "axis", axis);
  if (!ir_build_finish(&ctx->build, split))
    return -1;
  for (int k = 0; k < count; k++)
    input_grads[k] = split->outputs[k];
  return 0;
}

/* Split: the outputs' gradients (zeros where none reached) concatenated. */
int grad_split(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  const ir_node *node = ctx->node;
  int axis;
  if (axis_attribute(ctx, ad_input(ctx, 0)->type.rank, &axis) != 0)
    return -1;
  ir_value *parts[1024];
  for (int j = 0; j < node->num_outputs; j++)
    parts[j] = ad_output_grad(ctx, output_grads, j);
  ir_node *concat = ir_build_start(&ctx->build, IR_OP_CONCAT, parts, node->num_outputs);
  ir_build_set_int(&ctx->build, concat, "axis", axis);
  input_grads[0] = ir_build_finish(&ctx->build, concat);
  return ad_status(ctx);
}

/* Pad(g, pads) in constant mode with zeros: pads may be negative (a crop). */
static ir_value *pad(grad_context *ctx, ir_value *g, const int64_t *pads, int rank) {
  bool any = false;
  for (int i = 0; i < 2 * rank; i++)
    any = any || pads[i] != 0;
  if (!any)
    return g;
  ir_value *inputs[2] = {g, ir_build_ints(&ctx->build, pads, 2 * rank)};
  return ir_build_finish(&ctx->build, ir_build_start(&ctx->build, IR_OP_PAD, inputs, 2));
}

/* g reversed along `axis` (a Slice with step -1). */
static ir_value *reverse(grad_context *ctx, ir_value *g, int64_t axis) {
  int64_t start = -1, end = g ? -g->type.dims[axis] - 1 : 0, step = -1;
  ir_value *inputs[5] = {g, ir_build_ints(&ctx->build, &start, 1),
                         ir_build_ints(&ctx->build, &end, 1), ir_build_ints(&ctx->build, &axis, 1),
                         ir_build_ints(&ctx->build, &step, 1)};
  return ir_build_finish(&ctx->build, ir_build_start(&ctx->build, IR_OP_SLICE, inputs, 5));
}

/* g with `gap` - 1 zeros after each element along `axis`: [.., n, ..] → [.., n * gap, ..]
 * (a size-1 axis after it, padded at its end, merged back). */
static ir_value *spread_out(grad_context *ctx, ir_value *g, int axis, int64_t gap) {
  if (!g)
    return NULL;
  int rank = g->type.rank;
  int64_t dims[IR_MAX_RANK + 1], pads[2 * (IR_MAX_RANK + 1)] = {0};
  for (int d = 0, at = 0; d < rank; d++) {
    dims[at++] = g->type.dims[d];
    if (d == axis)
      dims[at++] = 1;
  }
  pads[rank + 1 + axis + 1] = gap - 1;
  ir_value *spread = pad(ctx, ad_reshape_dims(ctx, g, dims, rank + 1), pads, rank + 1);
  int64_t merged[IR_MAX_RANK];
  for (int d = 0; d < rank; d++)
    merged[d] = g->type.dims[d] * (d == axis ? gap : 1);
  return ad_reshape_dims(ctx, spread, merged, rank);
}

/* Slice: output element c of axis d came from input coordinate start + c * step. A negative
 * step reverses the gradient first (element c then comes from the lowest coordinate up), a
 * step above 1 spreads it out with zeros between, and a Pad (negative where it crops the
 * zeros a spread leaves past the end) puts it back into the input's dims. */
int grad_slice(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *x = ad_input(ctx, 0), *y = ctx->node->outputs[0], *g = output_grads[0];
  int64_t starts[IR_MAX_RANK], steps[IR_MAX_RANK], pads[2 * IR_MAX_RANK];
  if (!ad_require_static(ctx, x) || ir_slice_read(ctx->node, starts, steps, ctx->build.diag) != 0)
    return -1;
  int rank = x->type.rank;
  for (int d = 0; d < rank; d++) {
    int64_t count = y->type.dims[d], first = starts[d], stride = steps[d], length = count;
    if (count == 0) /* nothing read: the gradient is zeros */
      return (input_grads[0] = ad_zeros(ctx, &x->type)) ? 0 : -1;
    if (stride < 0) {
      g = reverse(ctx, g, d);
      first += (count - 1) * stride;
      stride = -stride;
    }
    if (stride > 1) {
      g = spread_out(ctx, g, d, stride);
      length = count * stride;
    }
    pads[d] = first;
    pads[rank + d] = x->type.dims[d] - first - length;
  }
  input_grads[0] = pad(ctx, g, pads, rank);
  return ad_status(ctx);
}

/* Pad in constant mode: the gradient with the pads taken off (Pad by the negated pads). The
 * fill value gets none. */
int grad_pad(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  const ir_node *node = ctx->node;
  const char *mode = "constant";
  int64_t given[2 * IR_MAX_RANK], axes[IR_MAX_RANK], pads[2 * IR_MAX_RANK] = {0};
  int count = 0, rank = ad_input(ctx, 0)->type.rank, axes_count = rank;
  if (ir_attr_string_default(node, "mode", &mode, ctx->build.diag) != 0)
    return -1;
  if (strcmp(mode, "constant") != 0)
    return ad_error(ctx, "Pad in mode '%s' has no rule (only constant)", mode);
  if (ir_node_constant_ints(node, 1, given, 2 * IR_MAX_RANK, &count, ctx->build.diag) != 0)
    return -1;
  for (int i = 0; i < rank; i++)
    axes[i] = i;
  if (ir_node_input(node, 3) &&
      (ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &axes_count, ctx->build.diag) != 0 ||
       ir_normalize_axes(node, "axes", axes, axes_count, rank, ctx->build.diag) != 0))
    return -1;
  for (int i = 0; i < axes_count; i++) {
    pads[axes[i]] = -given[i];
    pads[rank + axes[i]] = -given[axes_count + i];
  }
  input_grads[0] = pad(ctx, output_grads[0], pads, rank);
  return ad_status(ctx);
}

/* Expand: a broadcast, so the gradient summed back to the input's shape. */
int grad_expand(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_sum_to(ctx, output_grads[0], &ad_input(ctx, 0)->type);
  return ad_status(ctx);
}

/* Gather(data, indices) along `axis`: a scatter-add of the gradient into data's shape, written
 * as a product with the one-hot matrix of the indices so that the sums run in a fixed order:
 * with data [P, V, Q] (P, Q the axes before and after), indices flattened to I and g as
 * [P, I, Q], d data = OneHot(indices, V)^T [V, I] @ g [P, I, Q]. */
int grad_gather(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *data = ad_input(ctx, 0), *indices = ad_input(ctx, 1), *g = output_grads[0];
  int axis;
  if (!ad_require_static(ctx, data) || !ad_require_static(ctx, indices) ||
      axis_attribute(ctx, data->type.rank, &axis) != 0)
    return -1;
  int64_t before = 1, after = 1, count = 1, depth = data->type.dims[axis];
  for (int d = 0; d < data->type.rank; d++)
    before *= d < axis ? data->type.dims[d] : 1, after *= d > axis ? data->type.dims[d] : 1;
  for (int d = 0; d < indices->type.rank; d++)
    count *= indices->type.dims[d];
  int64_t flat[1] = {count}, values_dims[1] = {2}, g_dims[3] = {before, count, after};
  ir_value *flat_indices = ad_reshape_dims(ctx, indices, flat, 1);
  double values[2] = {0.0, 1.0};
  unsigned char data_values[16] = {0};
  for (int i = 0; i < 2; i++)
    ir_element_set_float(data->type.dtype, data_values, i, values[i]);
  ir_value *off_on =
      ir_build_constant(&ctx->build, ir_type_make(data->type.dtype, 1, values_dims), data_values);
  ir_value *one_hot_inputs[3] = {flat_indices, ir_build_ints(&ctx->build, &depth, 1), off_on};
  ir_node *one_hot = ir_build_start(&ctx->build, IR_OP_ONE_HOT, one_hot_inputs, 3);
  ir_build_set_int(&ctx->build, one_hot, "axis", 0); /* [V, I] */
  ir_value *scattered = ad_binary(ctx, IR_OP_MATMUL, ir_build_finish(&ctx->build, one_hot),
                                  ad_reshape_dims(ctx, g, g_dims, 3));
  input_grads[0] = ad_reshape(ctx, scattered, &data->type);
  return ad_status(ctx);
}
